import Bindings

/// The kinetic energy, T = Σ_k w_k Σ_n f_nk Σ_G ½|k+G|² |c_nk(G)|², whose operator −½∇² is
/// diagonal in the plane waves.
public final class Kinetic: OrbitalTerm {
    public let name = "kinetic"

    public init() {}

    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .kinetic }

    public func bandExpectations(_ x: ComplexMatrix, kbasis: KBasis) -> [Double] {
        Kinetic.expectation(x, kbasis: kbasis)
    }

    /// Σ_G ½|k+G|² |c_G|² of each column.
    public static func expectation(_ x: ComplexMatrix, kbasis: KBasis) -> [Double] {
        (0..<x.cols).map { n in
            var s = 0.0
            for g in 0..<x.rows { s += x[g, n].norm2 * kbasis.kinetic[g] }
            return s
        }
    }
}
