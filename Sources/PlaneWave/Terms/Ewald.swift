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

    /// The splitting parameter η (bohr⁻¹) and the cutoffs of both sums with the Miller and
    /// lattice-vector ranges that hold them.
    static func summation(_ lattice: Lattice) -> (eta: Double, gcut: Double, gbound: [Int], rcut: Double, rbound: [Int]) {
        let eta = 2.0 / pow(lattice.volume, 1.0 / 3.0) * 1.2
        // reciprocal space: e^{-G²/4η²} < 1e-17 → G² > 4η² · 39
        let gcut = (4 * eta * eta * 39).squareRoot()
        let gbound = (0..<3).map { i in Int((gcut * norm(lattice.vectors[i]) / (2 * Double.pi)).rounded(.up)) + 1 }
        // real space: erfc(ηr) < 1e-17 → ηr > 5.9
        let rcut = 6.0 / eta
        let rbound = (0..<3).map { i in Int((rcut * norm(lattice.reciprocal[i]) / (2 * Double.pi)).rounded(.up)) + 1 }
        return (eta, gcut, gbound, rcut, rbound)
    }

    /// Calls body(m, G, |G|²) for every reciprocal lattice vector G ≠ 0 (Miller indices m) with |G| ≤ gcut.
    static func forEachReciprocalVector(_ lattice: Lattice, gbound: [Int], gcut: Double,
                                        _ body: (SIMD3<Double>, SIMD3<Double>, Double) -> Void) {
        for i in -gbound[0]...gbound[0] { for j in -gbound[1]...gbound[1] { for k in -gbound[2]...gbound[2] {
            if i == 0 && j == 0 && k == 0 { continue }
            let m = SIMD3(Double(i), Double(j), Double(k))
            let g = lattice.reciprocalCartesian(m)
            let g2 = dot(g, g)
            if g2 > gcut * gcut { continue }
            body(m, g, g2)
        } } }
    }

    /// Calls body(a, b, d, |d|) for every pair of atoms a, b and lattice vector R with d = τ_a − τ_b + R
    /// (Cartesian), 0 < |d| ≤ rcut.
    static func forEachPair(_ lattice: Lattice, positions: [SIMD3<Double>], rbound: [Int], rcut: Double,
                            _ body: (Int, Int, SIMD3<Double>, Double) -> Void) {
        for a in positions.indices { for b in positions.indices {
            let d = positions[a] - positions[b]
            for i in -rbound[0]...rbound[0] { for j in -rbound[1]...rbound[1] { for k in -rbound[2]...rbound[2] {
                if a == b && i == 0 && j == 0 && k == 0 { continue }
                let v = lattice.cartesian(reduced: d + SIMD3(Double(i), Double(j), Double(k)))
                let r = norm(v)
                if r > rcut { continue }
                body(a, b, v, r)
            } } }
        } }
    }

    public static func energy(lattice: Lattice, charges: [Double], positions: [SIMD3<Double>]) -> Double {
        let omega = lattice.volume
        let (eta, gcut, gbound, rcut, rbound) = summation(lattice)
        let ztot = charges.reduce(0, +)
        let z2 = charges.reduce(0) { $0 + $1 * $1 }
        var recip = 0.0
        forEachReciprocalVector(lattice, gbound: gbound, gcut: gcut) { m, _, g2 in
            var sre = 0.0, sim = 0.0
            for (z, x) in zip(charges, positions) {
                let phase = 2 * Double.pi * dot(m, x)
                sre += z * cos(phase); sim += z * sin(phase)
            }
            recip += (sre * sre + sim * sim) * exp(-g2 / (4 * eta * eta)) / g2
        }
        recip *= 2 * Double.pi / omega
        var real = 0.0
        forEachPair(lattice, positions: positions, rbound: rbound, rcut: rcut) { a, b, _, r in
            real += charges[a] * charges[b] * erfc(eta * r) / r
        }
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

extension Ewald: AtomicForceTerm {
    public func forces(_ state: ForceState) -> [SIMD3<Double>] { Ewald.forces(model: model) }

    /// F_c = −∂E/∂τ_c of the Ewald energy above, with d = τ_c − τ_b + R (Cartesian), r = |d|,
    /// S(G) = Σ_b Z_b e^{iG·τ_b}:
    ///   F_c = Σ_{b,R}′ Z_c Z_b [erfc(ηr)/r² + (2η/√π) e^{−η²r²}/r] d/r
    ///       + (4π/Ω) Σ_{G≠0} Z_c G Im[S̄(G) e^{iG·τ_c}] e^{−G²/4η²}/G²;
    /// the constant terms do not depend on the positions. Same η and truncation as `energy`.
    public static func forces(lattice: Lattice, charges: [Double], positions: [SIMD3<Double>]) -> [SIMD3<Double>] {
        let omega = lattice.volume
        let (eta, gcut, gbound, rcut, rbound) = summation(lattice)
        var forces = [SIMD3<Double>](repeating: .zero, count: charges.count)
        forEachReciprocalVector(lattice, gbound: gbound, gcut: gcut) { m, g, g2 in
            var sre = 0.0, sim = 0.0
            let phases = positions.map { 2 * Double.pi * dot(m, $0) }
            for (z, phase) in zip(charges, phases) { sre += z * cos(phase); sim += z * sin(phase) }
            let factor = 4 * Double.pi / omega * exp(-g2 / (4 * eta * eta)) / g2
            for c in charges.indices {
                // Im[(sre − i sim)(cos φ + i sin φ)]
                forces[c] += factor * charges[c] * (sre * sin(phases[c]) - sim * cos(phases[c])) * g
            }
        }
        let twoEtaOverRootPi = 2 * eta / Double.pi.squareRoot()
        forEachPair(lattice, positions: positions, rbound: rbound, rcut: rcut) { c, b, v, r in
            let s = erfc(eta * r) / (r * r) + twoEtaOverRootPi * exp(-eta * eta * r * r) / r
            forces[c] += charges[c] * charges[b] * s / r * v
        }
        return forces
    }

    public static func forces(model: Model) -> [SIMD3<Double>] {
        let atoms = model.crystal.atoms
        return forces(lattice: model.crystal.lattice,
                      charges: atoms.map { Double(model.pseudopotentials[$0.species]!.zion) },
                      positions: atoms.map(\.position))
    }
}

extension Ewald: StressTerm {
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] { Ewald.strainDerivative(model: model) }

    /// ∂E/∂ε_αβ of the Ewald energy above (d = τ_a − τ_b + R and G strain as the cell; η fixed):
    ///   ½ Σ_{a,b,R}′ Z_a Z_b φ′(r) d_α d_β/r,  φ(r) = erfc(ηr)/r,
    ///   + (2π/Ω) Σ_{G≠0} |S(G)|² e^{−G²/4η²}/G² [2 G_α G_β (1/4η² + 1/G²) − δ_αβ]
    ///   + δ_αβ π (Σ_a Z_a)²/(2Ωη²).
    public static func strainDerivative(lattice: Lattice, charges: [Double], positions: [SIMD3<Double>]) -> [SIMD3<Double>] {
        let omega = lattice.volume
        let (eta, gcut, gbound, rcut, rbound) = summation(lattice)
        let ztot = charges.reduce(0, +)
        var t = Tensor3.zero
        forEachReciprocalVector(lattice, gbound: gbound, gcut: gcut) { m, g, g2 in
            var sre = 0.0, sim = 0.0
            for (z, x) in zip(charges, positions) {
                let phase = 2 * Double.pi * dot(m, x)
                sre += z * cos(phase); sim += z * sin(phase)
            }
            let e = 2 * Double.pi / omega * (sre * sre + sim * sim) * exp(-g2 / (4 * eta * eta)) / g2
            let w = 2 * e * (1 / (4 * eta * eta) + 1 / g2)
            t[0] += w * g.x * g; t[1] += w * g.y * g; t[2] += w * g.z * g
            t[0].x -= e; t[1].y -= e; t[2].z -= e
        }
        let twoEtaOverRootPi = 2 * eta / Double.pi.squareRoot()
        forEachPair(lattice, positions: positions, rbound: rbound, rcut: rcut) { a, b, v, r in
            let dphi = -erfc(eta * r) / (r * r) - twoEtaOverRootPi * exp(-eta * eta * r * r) / r
            let w = charges[a] * charges[b] * dphi / (2 * r)
            t[0] += w * v.x * v; t[1] += w * v.y * v; t[2] += w * v.z * v
        }
        let c = Double.pi * ztot * ztot / (2 * omega * eta * eta)
        t[0].x += c; t[1].y += c; t[2].z += c
        return t
    }

    public static func strainDerivative(model: Model) -> [SIMD3<Double>] {
        let atoms = model.crystal.atoms
        return strainDerivative(lattice: model.crystal.lattice,
                                charges: atoms.map { Double(model.pseudopotentials[$0.species]!.zion) },
                                positions: atoms.map(\.position))
    }
}
