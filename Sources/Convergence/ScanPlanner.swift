import Foundation
import Input
import PlaneWave

/// Builds points (ids, costs) from the base config.
public struct ScanPlanner: Sendable {
    public let config: ScanConfig
    public init(config: ScanConfig) { self.config = config }

    var base: Config { config.base }

    public func point(stage: String, index: Int, ecut: Double, kmesh: [Int], a: Double?) -> ScanPoint {
        let kshift = base.discretization.kshift
        let key = ScanPoint.key(ecut: ecut, kmesh: kmesh, kshift: kshift, a: a)
        let (cost, nk) = ScanCostModel.cost(config: base, ecut: ecut, kmesh: kmesh, a: a)
        return ScanPoint(id: "\(stage)/\(key)", stage: stage, index: index, ecut: ecut, kmesh: kmesh, kshift: kshift,
                         a: a, cost: cost, irreducibleK: nk)
    }

    /// The stages of the config, in order.
    public func stages() -> [any ScanStage] {
        let c = config
        if c.mode == .grid {
            return [GridStage(ecuts: c.cutoff?.values ?? [base.discretization.ecut],
                              kmeshes: c.kmesh?.values ?? [c.cutoff?.kmesh ?? base.discretization.kmesh],
                              lattice: c.lattice?.values)]
        }
        // the criteria the end-of-run analysis decides with: one rule for the stages and the recommendation
        let settings = AnalysisSettings(scan: c, analysis: c.analysis)
        var s: [any ScanStage] = []
        if let cut = c.cutoff { s.append(CutoffStage(spec: cut, criteria: settings.criteria(for: "cutoff"))) }
        if let k = c.kmesh { s.append(KMeshStage(spec: k, criteria: settings.criteria(for: "kmesh"))) }
        if let l = c.lattice { s.append(LatticeStage(spec: l)) }
        return s
    }

    /// The points of every stage, staged scans planned with their most expensive later choices (the
    /// highest cutoff, the densest mesh): what the Slurm estimate and the cost checks consider.
    public func plannedStages() throws -> [[ScanPoint]] {
        var choices = initialChoices()
        var out: [[ScanPoint]] = []
        for stage in stages() {
            let points = try stage.plan(choices, planner: self)
            out.append(points)
            if stage.name == "cutoff", let top = points.max(by: { $0.ecut < $1.ecut }) { choices.ecut = top.ecut }
            if stage.name == "kmesh", let dense = points.max(by: { $0.kmesh.reduce(1, *) < $1.kmesh.reduce(1, *) }) { choices.kmesh = dense.kmesh }
        }
        return out
    }

    /// Choices before any stage: the basis of the config (the cutoff stage's mesh if there is one).
    public func initialChoices() -> StageChoices {
        StageChoices(ecut: base.discretization.ecut, kmesh: config.cutoff?.kmesh ?? base.discretization.kmesh,
                     a: base.structure.latticeConstant)
    }

    /// The SCF settings of a point: the config's, with its `point_overrides`.
    public func scfParameters(for p: ScanPoint) -> (SCFParameters, timeout: Double) {
        var scf = base.scf
        var timeout = config.resources.timeout
        for o in config.pointOverrides where o.stage == p.stage && (o.index == nil || o.index == p.index) {
            if let n = o.maxIterations { scf.maxIterations = n }
            if let d = o.damping { scf.mixingDamping = d }
            if let t = o.timeout { timeout = t }
        }
        return (scf, timeout)
    }
}
