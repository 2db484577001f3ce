import Bindings
import Numerics

/// Hartree energy with the G = 0 term removed (neutralising background):
/// V_H(G) = 4π ρ_G / G², E_H = ½ ∫ V_H ρ = (Ω/2) Σ_{G≠0} 4π |ρ_G|²/G².
public final class Hartree: DensityTerm {
    public let name = "hartree"
    let grid: FourierGrid

    public init(grid: FourierGrid) { self.grid = grid }

    public func energyAndPotential(_ rho: [Double]) -> (energy: Double, potential: [Double]) {
        var rhoG = grid.fourier(rho)
        grid.forEachPoint { i, _, g2 in rhoG[i] = g2 == 0 ? .zero : rhoG[i] * (4 * Double.pi / g2) }
        let v = grid.real(rhoG)
        return (grid.integrate(v, rho) / 2, v)
    }

    /// E_H = (Ω/2) Σ_{G≠0} 4π |ρ_G|²/G², one FFT.
    public func energy(_ rho: [Double]) -> Double {
        let rhoG = grid.fourier(rho)
        var e = 0.0
        grid.forEachPoint { i, _, g2 in if g2 != 0 { e += rhoG[i].norm2 / g2 } }
        return 2 * Double.pi * grid.basis.volume * e
    }
}

extension Hartree: SlabDensityTerm {
    /// V_H on the slab by the distributed transform; this process' part of E_H = ½ ∫ V_H ρ.
    public func energyAndPotential(_ rho: [Double], on slab: GridSlab) throws -> (energy: Double, potential: [Double]) {
        var rhoG = try slab.slabs.fourier(rho)
        slab.forEachPoint { j, _, g2 in rhoG[j] = g2 == 0 ? .zero : rhoG[j] * (4 * Double.pi / g2) }
        let v = try slab.slabs.real(rhoG)
        return (slab.integrate(v, rho) / 2, v)
    }

    /// This process' part of E_H = (Ω/2) Σ_{G≠0} 4π |ρ_G|²/G², one distributed transform.
    public func energy(_ rho: [Double], on slab: GridSlab) throws -> Double {
        let rhoG = try slab.slabs.fourier(rho)
        var e = 0.0
        slab.forEachPoint { j, _, g2 in if g2 != 0 { e += rhoG[j].norm2 / g2 } }
        return 2 * Double.pi * grid.basis.volume * e
    }
}

extension Hartree: StressTerm {
    /// E_H = (1/2Ω) Σ_{G≠0} 4π |Ωρ_G|²/G² with Ωρ_G fixed under strain and
    /// ∂G²/∂ε_αβ = −2 G_α G_β:
    ///   ∂E_H/∂ε_αβ = −δ_αβ E_H + 4πΩ Σ_{G≠0} |ρ_G|² G_α G_β/G⁴.
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] {
        let rhoG = grid.fourier(state.density)
        let b = grid.basis.model.crystal.lattice.reciprocal
        let omega = grid.basis.volume
        var e = 0.0
        var t = Tensor3.zero
        grid.forEachPoint { i, m, g2 in
            if g2 == 0 { return }
            let r2 = rhoG[i].norm2
            e += r2 / g2
            let g = Double(m.x) * b[0] + Double(m.y) * b[1] + Double(m.z) * b[2]
            let w = 4 * Double.pi * omega * r2 / (g2 * g2)
            t[0] += w * g.x * g; t[1] += w * g.y * g; t[2] += w * g.z * g
        }
        e *= 2 * Double.pi * omega
        return Tensor3.sum(t, Tensor3.scaled(Tensor3.identity, -e))
    }
}
