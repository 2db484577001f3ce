import Bindings
import Numerics

/// A preconditioner P of the density residual for mixing, f = P(ρ_out − ρ_in): an approximation of
/// the inverse dielectric operator ε⁻¹ that the accelerator (`AndersonAcceleration`) steps with.
///
/// Contract: the accelerator calls `precondition(_:density:)` with the step's input density ρ_in
/// (the grid's values, spin-polarised (ρ, m)), on which a model of the state may depend (the
/// localisation of `InhomogeneousDielectricPreconditioner`); a model that does not depend on the
/// state implements `precondition(_:)` only.
public protocol MixingPreconditioner {
    /// Applies P to the residual in place.
    func precondition(_ residual: inout [Double])
    /// Applies P at the input density ρ_in (`density`) to the residual in place.
    func precondition(_ residual: inout [Double], density: [Double])
    /// P(|G|²) of a model diagonal in G and independent of the state (which a slab-distributed grid
    /// applies by its distributed FFT, `SlabDensityStep`); nil for any other.
    var fourierFactor: ((Double) -> Double)? { get }
}

extension MixingPreconditioner {
    /// A model independent of the state: P alone.
    public func precondition(_ residual: inout [Double], density: [Double]) { precondition(&residual) }
    public var fourierFactor: ((Double) -> Double)? { nil }
}

/// P = 1 (simple mixing).
public struct NoPreconditioner: MixingPreconditioner {
    public init() {}
    public func precondition(_ residual: inout [Double]) {}
    public var fourierFactor: ((Double) -> Double)? { { _ in 1 } }
}

/// Kerker's preconditioner (G. P. Kerker, Phys. Rev. B 23, 3082 (1981)), the Thomas–Fermi
/// screening of the homogeneous electron gas: P(G) = G²/(G² + q₀²). It damps the long-wavelength
/// charge sloshing of metals and large cells. It acts on one density (spin-polarised, the total
/// one, inside `CollinearSpinPreconditioner`: the long-wavelength divergence it removes is the
/// Hartree response, which m does not have).
///
/// With a finite dielectric constant ε_r, the screening of an insulator, whose ε(G) stays finite
/// as G → 0 (the simplified model of Resta, Phys. Rev. B 16, 2717 (1977), as in DFTK's
/// `DielectricMixing`): P(G) = (G² + q₀²/ε_r)/(G² + q₀²), which tends to 1/ε_r instead of 0. Pure
/// Kerker (ε_r = ∞) damps the longest waves of a cell by G²/q₀², far more than an insulator
/// screens them: in a slab with vacuum, whose layered ε along the normal is close to 1, those
/// modes then converge slowly.
public struct KerkerPreconditioner: MixingPreconditioner {
    /// q₀ (bohr⁻¹).
    public let wavevector: Double
    /// ε_r; nil: ∞ (Kerker's metal).
    public let dielectricConstant: Double?
    let grid: FourierGrid

    public init(grid: FourierGrid, wavevector: Double, dielectricConstant: Double? = nil) {
        self.grid = grid; self.wavevector = wavevector; self.dielectricConstant = dielectricConstant
    }

    /// P(G) at |G|² = `g2`.
    public func factor(_ g2: Double) -> Double {
        let q2 = wavevector * wavevector
        return (g2 + q2 / (dielectricConstant ?? .infinity)) / (g2 + q2)
    }

    public var fourierFactor: ((Double) -> Double)? { factor }

    public func precondition(_ residual: inout [Double]) {
        var fG = grid.fourier(residual)
        grid.forEachPoint { i, _, g2 in fG[i] = fG[i] * factor(g2) }
        residual = grid.real(fG)
    }
}

extension SCFParameters {
    /// The preconditioner of `mixingModel`; without one, Kerker with `kerkerWavevector` and
    /// `mixingDielectricConstant`, none when the wave vector is 0. With two spin channels it acts on
    /// the total density inside a `CollinearSpinPreconditioner` with `magnetizationMixingFactor`.
    public func mixingPreconditioner(grid: FourierGrid, spinChannels: Int = 1) -> MixingPreconditioner {
        let charge: MixingPreconditioner
        switch mixingModel {
        case .none?: charge = NoPreconditioner()
        case .kerker?: charge = KerkerPreconditioner(grid: grid, wavevector: kerkerWavevector)
        case .dielectric?: charge = KerkerPreconditioner(grid: grid, wavevector: kerkerWavevector, dielectricConstant: mixingDielectricConstant)
        case .hybrid?:
            charge = InhomogeneousDielectricPreconditioner(grid: grid, wavevector: kerkerWavevector, dielectricConstant: mixingDielectricConstant,
                                                           localization: DielectricLocalization(density: mixingLocalizationDensity))
        case nil:
            charge = kerkerWavevector > 0 ? KerkerPreconditioner(grid: grid, wavevector: kerkerWavevector, dielectricConstant: mixingDielectricConstant)
                                          : NoPreconditioner()
        }
        guard spinChannels == 2 else { return charge }
        return CollinearSpinPreconditioner(charge: charge, magnetizationFactor: magnetizationMixingFactor, points: grid.count)
    }
}
