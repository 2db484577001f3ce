import Foundation
import Input
import PlaneWave

/// k-mesh at the chosen cutoff, meshes in ascending order, decided by the same rule as the cutoff
/// (`ConvergenceDecision.decide` against the densest mesh computed). Stops early: once the meshes
/// computed so far, in order, converge by that rule, the denser ones are not needed.
public struct KMeshStage: ScanStage {
    public let spec: ScanConfig.KMeshStage
    public let criteria: ConvergenceCriteria
    public var name: String { "kmesh" }
    public var dispatchInParameterOrder: Bool { true }

    /// `criteria` nil: the stage's own tolerance alone.
    public init(spec: ScanConfig.KMeshStage, criteria: ConvergenceCriteria? = nil) {
        self.spec = spec
        self.criteria = criteria ?? spec.criteria()
    }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        spec.values.enumerated().map { planner.point(stage: name, index: $0.offset, ecut: c.ecut, kmesh: $0.element, a: c.a) }
    }

    func decision(_ records: [PointRecord]) -> ConvergenceDecision {
        ConvergenceDecision.decide(stage: name, records: records, criteria: criteria, parameter: .kmesh)
    }

    public func unneeded(_ points: [ScanPoint], results: StageResults) -> Set<String> {
        let done = points.prefix { results[$0.key] != nil }   // undecidable beyond the first missing result
        guard done.count >= 2, done.count < points.count, decision(done.compactMap { results[$0.key] }).converged else { return [] }
        return Set(points[done.count...].map(\.key))
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        let records = points.compactMap { results[$0.key] }
        guard let last = points.last(where: { results[$0.key]?.status == .converged }) else {
            return StageDecision(stage: name, summary: "no k-mesh converged", decided: false)
        }
        let d = decision(records)
        choices.kmesh = d.chosen_kmesh ?? last.kmesh
        return StageDecision(stage: name, summary: d.message, decided: true, warnings: d.warnings, convergence: d)
    }
}
