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

extension Kinetic: StressTerm {
    /// This process' part of ∂T/∂ε_αβ = −Σ_k w_k Σ_n f_nk Σ_G (k+G)_α (k+G)_β |c_nk(G)|²: under
    /// strain ½|k+G|² changes by −(k+G)_α (k+G)_β ε_αβ.
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] {
        var t = Tensor3.zero
        for k in state.orbitals.keys.sorted() {
            let x = state.orbitals[k]!
            let kb = state.kpoints[k]
            let occupations = state.occupations[k]
            let npw = x.rows
            var weight = [Double](repeating: 0, count: npw)
            for n in 0..<min(x.cols, occupations.count) where state.ownsBand(n) && occupations[n] != 0 {
                let f = kb.kpoint.weight * occupations[n]
                for g in 0..<npw { weight[g] += f * x[g, n].norm2 }
            }
            let kpg = kb.kPlusG
            for g in 0..<npw where weight[g] != 0 {
                let q = kpg[g]
                t[0] -= weight[g] * q.x * q; t[1] -= weight[g] * q.y * q; t[2] -= weight[g] * q.z * q
            }
        }
        return t
    }
}
