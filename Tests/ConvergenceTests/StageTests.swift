import Foundation
import Testing
import PlaneWave
import TestSupport
import Input
@testable import Convergence

@Suite struct StageTests {
    let planner: ScanPlanner

    init() throws { planner = ScanPlanner(config: try preset("gaas-fast.yaml")) }

    func results(_ points: [ScanPoint], _ energiesPerAtom: [Double?]) -> StageResults {
        var r = StageResults()
        for (p, e) in zip(points, energiesPerAtom) {
            r[p.key] = e.map { record(p.id, 2 * $0) } ?? record(p.id, nil, status: .unconverged)
        }
        return r
    }

    @Test func cutoffChoosesLowestWithinTolerance() throws {
        let stage = CutoffStage(spec: planner.config.cutoff!)
        var choices = planner.initialChoices()
        let points = try stage.plan(choices, planner: planner)
        #expect(points.map(\.ecut) == [10, 12, 14, 16] && points.allSatisfy { $0.kmesh == [2, 2, 2] })
        let tol = planner.config.cutoff!.tolerance
        // 12 is within tolerance, but 10 is not; an unconverged 14 is skipped
        let d = stage.decide(points, results: results(points, [-1, -1.1 + 0.9 * tol, nil, -1.1]), choices: &choices)
        #expect(d.decided && choices.ecut == 12, "\(d)")
        #expect(d.warnings.contains { $0.contains("14 Ha") })
        var c2 = planner.initialChoices()
        let failedTop = stage.decide(points, results: results(points, [-1, -1, -1, nil]), choices: &c2)
        #expect(!failedTop.decided)
    }

    @Test func kmeshStopsEarly() throws {
        let stage = KMeshStage(spec: planner.config.kmesh!)
        var choices = planner.initialChoices()
        let points = try stage.plan(choices, planner: planner)
        #expect(stage.dispatchInParameterOrder && points.map(\.kmesh) == [[2, 2, 2], [4, 4, 4], [6, 6, 6]])
        let tol = planner.config.kmesh!.tolerance
        var r = results(Array(points.prefix(2)), [-1, -1 + 0.5 * tol])
        #expect(stage.unneeded(points, results: r) == [points[2].key], "6x6x6 is not needed once 2 and 4 agree")
        let d = stage.decide(points, results: r, choices: &choices)
        #expect(d.decided && choices.kmesh == [2, 2, 2])
        r = results(Array(points.prefix(1)), [-1])
        #expect(stage.unneeded(points, results: r).isEmpty)
    }

    @Test func latticeWindowAndEdgeWarning() throws {
        let stage = LatticeStage(spec: planner.config.lattice!)
        var choices = planner.initialChoices()
        let points = try stage.plan(choices, planner: planner)
        let d = stage.decide(points, results: results(points, [-1, -2, -3, -4, -5]), choices: &choices)
        #expect(d.decided && abs(choices.latticeMinimumAngstrom! - 5.75 * 1.02) < 1e-9)
        #expect(d.warnings.contains { $0.contains("edge") })
        var c2 = planner.initialChoices()
        let interior = stage.decide(points, results: results(points, [-1, -2, -3, -2, -1]), choices: &c2)
        #expect(interior.warnings.isEmpty && abs(c2.latticeMinimumAngstrom! - 5.75) < 1e-9)
    }

    @Test func gridAndGroups() throws {
        let c = try preset("gaas-fast.yaml", ["stages.mode=grid"])
        let p = ScanPlanner(config: c)
        let stages = p.stages()
        #expect(stages.count == 1 && stages[0].name == "grid")
        let points = try stages[0].plan(p.initialChoices(), planner: p)
        #expect(points.count == 4 * 3 * 5 && Set(points.map(\.id)).count == 60)
        // cost grows with cutoff and mesh
        let cheap = points.first { $0.ecut == 10 && $0.kmesh == [2, 2, 2] }!, dear = points.first { $0.ecut == 16 && $0.kmesh == [6, 6, 6] }!
        #expect(dear.cost > 5 * cheap.cost && dear.irreducibleK > cheap.irreducibleK)
        #expect(ScanCostModel.groupSizes(ranks: 4, points: Array(points.prefix(2)), ranksPerPoint: nil) == [2, 2])
        #expect(ScanCostModel.groupSizes(ranks: 2, points: points, ranksPerPoint: nil) == [1, 1])
        #expect(ScanCostModel.groupSizes(ranks: 5, points: points, ranksPerPoint: 2) == [2, 3])
        #expect(ScanCostModel.groupSizes(ranks: 3, points: [], ranksPerPoint: nil) == [3])
    }
}
