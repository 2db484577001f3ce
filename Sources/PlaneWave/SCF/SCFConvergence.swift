/// The SCF's stop test: the free energy and the density have both settled,
/// |F_n − F_{n−1}| < `energyTolerance` and ‖ρ_out − ρ_in‖ < `densityTolerance` (DFTK's
/// `ScfConvergenceEnergy` and `ScfConvergenceDensity` together); never at the first step, which has no ΔF.
public struct SCFConvergence: Sendable, Equatable {
    /// Ha.
    public var energyTolerance: Double
    /// Electrons (L2 norm).
    public var densityTolerance: Double

    public init(energyTolerance: Double, densityTolerance: Double) {
        self.energyTolerance = energyTolerance; self.densityTolerance = densityTolerance
    }

    public init(parameters: SCFParameters) {
        self.init(energyTolerance: parameters.energyTolerance, densityTolerance: parameters.densityTolerance)
    }

    public func isConverged(iteration: Int, energyChange: Double, densityResidual: Double) -> Bool {
        abs(energyChange) < energyTolerance && densityResidual < densityTolerance && iteration > 1
    }
}
