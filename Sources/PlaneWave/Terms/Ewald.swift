import Foundation

/// Ion–ion energy of point charges Z_a in a neutralising background (Ewald 1921):
///   E = ½ Σ_{a,b,R}′ Z_a Z_b erfc(η|τ_a−τ_b+R|)/|τ_a−τ_b+R|
///     + (2π/Ω) Σ_{G≠0} |Σ_a Z_a e^{iG·τ_a}|² e^{−G²/4η²}/G²
///     − η/√π Σ_a Z_a² − π (Σ_a Z_a)² / (2Ωη²).
/// Both sums are truncated where their terms fall below 1e-16 relative. A constant of the
/// structure, computed on first use.
public final class Ewald: EnergyTerm {
    public let name = "ewald"
    public let dependence = EnergyTermDependence.structure
    public let model: Model
    public private(set) lazy var value: Double = Ewald.energy(model: model)

    public init(model: Model) { self.model = model }

    public func energy(_ state: KohnShamState) -> Double { value }
    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .none }

    public static func energy(lattice: Lattice, charges: [Double], positions: [SIMD3<Double>]) -> Double {
        let omega = lattice.volume
        let eta = 2.0 / pow(omega, 1.0 / 3.0) * 1.2
        let ztot = charges.reduce(0, +)
        let z2 = charges.reduce(0) { $0 + $1 * $1 }
        // reciprocal space: e^{-G²/4η²} < 1e-17 → G² > 4η² · 39
        let gcut = (4 * eta * eta * 39).squareRoot()
        let gbound = (0..<3).map { i in Int((gcut * norm(lattice.vectors[i]) / (2 * Double.pi)).rounded(.up)) + 1 }
        var recip = 0.0
        for i in -gbound[0]...gbound[0] { for j in -gbound[1]...gbound[1] { for k in -gbound[2]...gbound[2] {
            if i == 0 && j == 0 && k == 0 { continue }
            let m = SIMD3(Double(i), Double(j), Double(k))
            let g = lattice.reciprocalCartesian(m)
            let g2 = dot(g, g)
            if g2 > gcut * gcut { continue }
            var sre = 0.0, sim = 0.0
            for (z, x) in zip(charges, positions) {
                let phase = 2 * Double.pi * dot(m, x)
                sre += z * cos(phase); sim += z * sin(phase)
            }
            recip += (sre * sre + sim * sim) * exp(-g2 / (4 * eta * eta)) / g2
        } } }
        recip *= 2 * Double.pi / omega
        // real space: erfc(ηr) < 1e-17 → ηr > 5.9
        let rcut = 6.0 / eta
        let rbound = (0..<3).map { i in Int((rcut * norm(lattice.reciprocal[i]) / (2 * Double.pi)).rounded(.up)) + 1 }
        var real = 0.0
        for a in charges.indices { for b in charges.indices {
            let d = positions[a] - positions[b]
            for i in -rbound[0]...rbound[0] { for j in -rbound[1]...rbound[1] { for k in -rbound[2]...rbound[2] {
                if a == b && i == 0 && j == 0 && k == 0 { continue }
                let r = norm(lattice.cartesian(reduced: d + SIMD3(Double(i), Double(j), Double(k))))
                if r > rcut { continue }
                real += charges[a] * charges[b] * erfc(eta * r) / r
            } } }
        } }
        real /= 2
        return real + recip - eta / Double.pi.squareRoot() * z2 - Double.pi * ztot * ztot / (2 * omega * eta * eta)
    }

    public static func energy(model: Model) -> Double {
        let atoms = model.crystal.atoms
        return energy(lattice: model.crystal.lattice,
                      charges: atoms.map { Double(model.pseudopotentials[$0.species]!.zion) },
                      positions: atoms.map(\.position))
    }
}
