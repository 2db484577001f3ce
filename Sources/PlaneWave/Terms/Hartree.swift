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
        let g2 = grid.g2
        for i in rhoG.indices { rhoG[i] = g2[i] == 0 ? .zero : rhoG[i] * (4 * Double.pi / g2[i]) }
        let v = grid.real(rhoG)
        return (grid.integrate(v, rho) / 2, v)
    }

    /// E_H = (Ω/2) Σ_{G≠0} 4π |ρ_G|²/G², one FFT.
    public func energy(_ rho: [Double]) -> Double {
        let rhoG = grid.fourier(rho)
        let g2 = grid.g2
        var e = 0.0
        for i in rhoG.indices where g2[i] != 0 { e += rhoG[i].norm2 / g2[i] }
        return 2 * Double.pi * grid.basis.volume * e
    }
}
