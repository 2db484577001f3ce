import Bindings
import Numerics

/// A preconditioner P of the density residual for mixing, f = P(ρ_out − ρ_in): an approximation of
/// the inverse dielectric operator ε⁻¹ that the accelerator (`AndersonAcceleration`) steps with.
public protocol MixingPreconditioner {
    /// Applies P to the residual in place.
    func precondition(_ residual: inout [Double])
}

/// P = 1 (simple mixing).
public struct NoPreconditioner: MixingPreconditioner {
    public init() {}
    public func precondition(_ residual: inout [Double]) {}
}

/// Kerker's preconditioner (G. P. Kerker, Phys. Rev. B 23, 3082 (1981)), the Thomas–Fermi
/// screening of the homogeneous electron gas: P(G) = G²/(G² + q₀²). It damps the long-wavelength
/// charge sloshing of metals and large cells. On a spin-polarised residual (Δρ, Δm) it screens the
/// total density only and leaves the magnetisation's unchanged: the long-wavelength divergence it
/// removes is the Hartree response, which m does not have (the usual choice, e.g. ABINIT's default
/// and DFTK's `KerkerMixing`).
public struct KerkerPreconditioner: MixingPreconditioner {
    /// q₀ (bohr⁻¹).
    public let wavevector: Double
    let grid: FourierGrid

    public init(grid: FourierGrid, wavevector: Double) {
        self.grid = grid; self.wavevector = wavevector
    }

    public func precondition(_ residual: inout [Double]) {
        let n = grid.count
        if residual.count > n {
            var total = Array(residual[0..<n])
            precondition(&total)
            residual.replaceSubrange(0..<n, with: total)
            return
        }
        var fG = grid.fourier(residual)
        let q2 = wavevector * wavevector
        grid.forEachPoint { i, _, g2 in fG[i] = fG[i] * (g2 / (g2 + q2)) }
        residual = grid.real(fG)
    }
}

extension SCFParameters {
    /// Kerker with `kerkerWavevector`, none when it is 0.
    public func mixingPreconditioner(grid: FourierGrid) -> MixingPreconditioner {
        kerkerWavevector > 0 ? KerkerPreconditioner(grid: grid, wavevector: kerkerWavevector) : NoPreconditioner()
    }
}
