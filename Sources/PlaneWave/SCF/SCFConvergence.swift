/// The SCF's stop test: the free energy and the density have both settled,
/// |F_n − F_{n−1}| < `energyTolerance` and ‖ρ_out − ρ_in‖ < `densityTolerance` (DFTK's
/// `ScfConvergenceEnergy` and `ScfConvergenceDensity` together); never at the first step, which has no ΔF.
///
/// Both thresholds are extensive, so the defaults scale with the system: `SCFParameters`'
/// `energyTolerancePerAtom` × atoms (Ha) and `densityTolerancePerElectron` × electrons (the
/// L2 norm of the residual), unless a total is given. A fixed total is too strict for a large cell:
/// the residual of a converged density has a floor set by the eigensolver's and the mixer's inexact
/// steps that grows with the cell, where the variational F (its error second order in the density
/// error) is converged long before; with the total scaled the energy criterion decides there, as
/// ABINIT's `toldfe` does. For a two-atom, eight-electron cell the defaults are 1e-9 Ha and 1e-5.
public struct SCFConvergence: Sendable, Equatable {
    /// Ha.
    public var energyTolerance: Double
    /// Electrons (L2 norm).
    public var densityTolerance: Double

    public init(energyTolerance: Double, densityTolerance: Double) {
        self.energyTolerance = energyTolerance; self.densityTolerance = densityTolerance
    }

    /// The parameters' totals, or their per-atom and per-electron defaults for `atoms` atoms and
    /// `electrons` valence electrons.
    public init(parameters: SCFParameters, atoms: Int, electrons: Int) {
        self.init(energyTolerance: parameters.energyTolerance ?? SCFParameters.energyTolerancePerAtom * Double(max(atoms, 1)),
                  densityTolerance: parameters.densityTolerance ?? SCFParameters.densityTolerancePerElectron * Double(max(electrons, 1)))
    }

    public func isConverged(iteration: Int, energyChange: Double, densityResidual: Double) -> Bool {
        abs(energyChange) < energyTolerance && densityResidual < densityTolerance && iteration > 1
    }
}
