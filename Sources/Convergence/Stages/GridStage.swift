import Foundation
import Input
import PlaneWave

/// Grid mode: every combination of cutoff, mesh and lattice constant, no dependencies.
public struct GridStage: ScanStage {
    public let ecuts: [Double]
    public let kmeshes: [[Int]]
    public let lattice: [Double]?
    public var name: String { "grid" }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        var points: [ScanPoint] = []
        let avalues: [Double?] = lattice.map { $0.map { Optional($0) } } ?? [c.a]
        for e in ecuts { for k in kmeshes { for a in avalues {
            points.append(planner.point(stage: name, index: points.count, ecut: e, kmesh: k, a: a))
        } } }
        return points
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        let n = points.filter { results[$0.key]?.status == .converged }.count
        return StageDecision(stage: name, summary: "grid: \(n) of \(points.count) points converged", decided: true)
    }
}
