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
/// An SCF that no longer moves towards them ends early, not converged (`stall`, `SCFStall`).
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

    /// Steps K over which `stall` judges the residual.
    public var stallSteps = 10
    /// The factor the density residual must fall by over K steps for the SCF to count as progressing.
    public var stallFactor = 2.0
    /// At most this many eigensolver iterations in each of the K steps count as an idle eigensolver.
    public var idleEigensolverIterations = 1

    public func isConverged(iteration: Int, energyChange: Double, densityResidual: Double) -> Bool {
        abs(energyChange) < energyTolerance && densityResidual < densityTolerance && iteration > 1
    }

    /// Whether an unconverged SCF has stalled, from the steps of its current run (since its start or
    /// its last restart, oldest first; every step not converged): over the last K = `stallSteps`
    /// steps the density residual did not fall below 1/`stallFactor` of the residual of the step
    /// before them, min_{n−K<i≤n} r_i > r_{n−K}/f, while the eigensolver did at most
    /// `idleEigensolverIterations` iterations in each of them. The orbitals then no longer change
    /// and neither does ρ_out: the residual sits at the floor of the map's rounding (or of a part of
    /// ρ_in the mixing cannot move), and the steps up to `scf.max_iterations` would only repeat it.
    /// Returns the tolerance out of reach (the density's when the last residual is above its
    /// tolerance, else the energy's) with the best value reached over the K steps; nil otherwise.
    /// `eigensolverIdle` is the eigensolver condition alone, for the caller to agree on between
    /// processes (their iteration counts are their own k-points').
    public func stall(residuals: [Double], energyChanges: [Double], eigensolverIterations: [Int]) -> SCFStall? {
        guard residualStalled(residuals), eigensolverIdle(eigensolverIterations) else { return nil }
        return stallVerdict(residuals: residuals, energyChanges: energyChanges)
    }

    /// The residual part of `stall`'s test: at least K + 1 steps and min over the last K > r_{n−K}/f.
    public func residualStalled(_ residuals: [Double]) -> Bool {
        let n = residuals.count
        guard stallSteps >= 1, n > stallSteps else { return false }
        return residuals[(n - stallSteps)...].min()! > residuals[n - stallSteps - 1] / stallFactor
    }

    /// The eigensolver part of `stall`'s test: at most `idleEigensolverIterations` in each of the last K steps.
    public func eigensolverIdle(_ iterations: [Int]) -> Bool {
        iterations.count >= stallSteps && iterations.suffix(stallSteps).allSatisfy { $0 <= idleEigensolverIterations }
    }

    /// The tolerance out of reach once `stall`'s test holds: the density's when the last residual is at or
    /// above it, else the energy's (the smallest |ΔF| of the last K steps).
    public func stallVerdict(residuals: [Double], energyChanges: [Double]) -> SCFStall {
        let window = residuals.suffix(stallSteps)
        if residuals.last! >= densityTolerance {
            return SCFStall(field: "scf.density_tolerance", tolerance: densityTolerance, reached: window.min()!, steps: stallSteps)
        }
        return SCFStall(field: "scf.energy_tolerance", tolerance: energyTolerance,
                        reached: energyChanges.suffix(stallSteps).map(abs).min() ?? .nan, steps: stallSteps)
    }
}

/// An SCF ended early, not converged, because it stalled (`SCFConvergence.stall`): the tolerance
/// of config field `field` (`tolerance`, electrons or Ha) is out of reach; `reached` is the best
/// density residual (electrons, L2) or |ΔF| (Ha) of the last `steps` steps.
public struct SCFStall: Sendable, Equatable, Codable {
    public let field: String
    public let tolerance: Double
    public let reached: Double
    public let steps: Int

    public init(field: String, tolerance: Double, reached: Double, steps: Int) {
        self.field = field; self.tolerance = tolerance; self.reached = reached; self.steps = steps
    }

    /// One line: what is out of reach, what was reached, and what to do.
    public var message: String {
        let density = field == "scf.density_tolerance"
        let unit = density ? " electrons" : " Ha"
        return String(format: "SCF stalled: %@ stays at %.3g%@ or more over the last %d steps, above %@ %.3g%@, while the eigensolver "
                      + "makes no progress (at most one iteration a step); loosen %@ to at least %.2g%@ (or omit it for the per-%@ default)",
                      density ? "the density residual ‖ρ_out − ρ_in‖" : "the free-energy change |ΔF|", reached, unit, steps,
                      field, tolerance, unit, field, 2 * reached, unit, density ? "electron" : "atom")
    }
}
