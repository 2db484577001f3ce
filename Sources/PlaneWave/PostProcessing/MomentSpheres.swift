import Bindings
import Foundation
import Numerics

/// Magnetic moment and charge of each atom integrated in a sphere of radius R_a about it:
/// M_a = ∫_{|r−τ_a|<R_a} m(r) d³r (μB), N_a the same of ρ. The density being a plane-wave sum,
/// f(r) = Σ_G f_G e^{iG·r}, the integral is taken exactly in reciprocal space,
/// ∫_{|r−τ|<R} f d³r = Σ_G f_G e^{iG·τ} 4πR³ j₁(|G|R)/(|G|R)   (the G = 0 term (4π/3)R³ f₀),
/// with j₁ the spherical Bessel function; ABINIT's `prtdensph` sums the same integral over the FFT
/// grid points inside the sphere instead (`ratsm` 0), which differs by that sum's discretisation.
/// Spheres that overlap count the shared density twice; spheres leave the interstitial out, so Σ M_a
/// is not the total magnetisation.
public struct MomentSpheres: Sendable, Equatable {
    /// Sphere radius of each atom (bohr), in the crystal's order.
    public let radii: [Double]
    /// ∫ m over each sphere (μB).
    public let moments: [Double]
    /// ∫ ρ over each sphere (electrons).
    public let charges: [Double]

    /// Half the distance from each atom to its nearest neighbour (periodic images included), so that
    /// the spheres touch and do not overlap.
    public static func defaultRadii(_ crystal: Crystal) -> [Double] {
        crystal.atoms.indices.map { a in
            var best = Double.infinity
            for b in crystal.atoms.indices {
                let d0 = crystal.atoms[b].position - crystal.atoms[a].position
                let d1 = d0 - d0.rounded(.toNearestOrEven)
                for n1 in -2...2 { for n2 in -2...2 { for n3 in -2...2 {
                    let r = norm(crystal.lattice.cartesian(reduced: d1 + SIMD3(Double(n1), Double(n2), Double(n3))))
                    if r > 1e-8 { best = min(best, r) }
                } } }
            }
            return best / 2
        }
    }

    /// The sphere integrals of a density (ρ, m) on `grid` (spin-polarised: 2 × grid points).
    public static func integrate(density: [Double], grid: FourierGrid, crystal: Crystal, radii: [Double]) -> MomentSpheres {
        let n = grid.count
        precondition(density.count == 2 * n, "sphere moments need (ρ, m)")
        let rhoG = grid.fourier(Array(density[0..<n])), mG = grid.fourier(Array(density[n...]))
        var charges = [Double](repeating: 0, count: crystal.atoms.count), moments = charges
        for (a, atom) in crystal.atoms.enumerated() {
            let R = radii[a]
            var q = 0.0, m = 0.0
            grid.forEachPoint { i, g, g2 in
                let x: Double = g2.squareRoot() * R
                // 4πR³ j₁(x)/x, with its series below x = 1e-3
                let radial: Double = x < 1e-3 ? 1.0 / 3 - x * x / 30 : (sin(x) - x * cos(x)) / (x * x * x)
                let shape: Double = 4 * Double.pi * R * R * R * radial
                let gx = Double(g.x), gy = Double(g.y), gz = Double(g.z)
                let phase: Double = 2 * Double.pi * (gx * atom.position.x + gy * atom.position.y + gz * atom.position.z)
                let c = cos(phase), s = sin(phase)
                q += shape * (rhoG[i].real * c - rhoG[i].imaginary * s)
                m += shape * (mG[i].real * c - mG[i].imaginary * s)
            }
            charges[a] = q; moments[a] = m
        }
        return MomentSpheres(radii: radii, moments: moments, charges: charges)
    }
}
