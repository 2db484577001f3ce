import Foundation
import Input
import PlaneWave

/// Cutoff at a fixed mesh, decided by the one rule of the run (`ConvergenceDecision.decide` with the
/// stage's criteria, the analysis' gap and B0 criteria included): the smallest cutoff from which every
/// converged cutoff is within tolerance of the highest one. The highest cutoff (and its energy
/// difference, when asked) must have converged: without its reference the stage cannot decide.
public struct CutoffStage: ScanStage {
    public let spec: ScanConfig.CutoffStage
    public let criteria: ConvergenceCriteria
    public var name: String { "cutoff" }

    /// `criteria` nil: the stage's own tolerances alone.
    public init(spec: ScanConfig.CutoffStage, criteria: ConvergenceCriteria? = nil) {
        self.spec = spec
        self.criteria = criteria ?? spec.criteria()
    }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        var points: [ScanPoint] = []
        for e in spec.values {
            points.append(planner.point(stage: name, index: points.count, ecut: e, kmesh: spec.kmesh, a: c.a))
            for a in spec.differenceLattice ?? [] where a != c.a {
                points.append(planner.point(stage: name, index: points.count, ecut: e, kmesh: spec.kmesh, a: a))
            }
        }
        return points
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        func converged(_ e: Double, _ a: Double?) -> Bool {
            points.first { $0.ecut == e && $0.a == a }.flatMap { results[$0.key] }?.status == .converged
        }
        let top = spec.values.last!
        guard converged(top, choices.a) else {
            return StageDecision(stage: name, summary: "the highest cutoff \(formatNumber(top)) Ha did not converge: no reference to judge convergence",
                                 decided: false)
        }
        if let dl = spec.differenceLattice, !dl.allSatisfy({ converged(top, $0) }) {
            return StageDecision(stage: name, summary: "the energy difference at the highest cutoff \(formatNumber(top)) Ha is missing (a point failed)",
                                 decided: false)
        }
        let d = ConvergenceDecision.decide(stage: name, records: points.compactMap { results[$0.key] }, criteria: criteria,
                                           parameter: .cutoff)
        choices.ecut = d.chosen_ecut_Ha ?? top
        return StageDecision(stage: name, summary: d.message, decided: true, warnings: d.warnings, convergence: d)
    }
}
