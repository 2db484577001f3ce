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
        // records as the runner journals them: the point's own cutoff, mesh and lattice constant
        for (p, e) in zip(points, energiesPerAtom) {
            r[p.key] = record(stage: p.stage, ecut: p.ecut, kmesh: p.kmesh, a: p.a.map { $0 / Units.angstrom } ?? 5.653,
                              f: e.map { 2 * $0 }, status: e == nil ? .unconverged : .converged)
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

    /// One rule: an `analysis` criterion (here the gap) that moves the cutoff choice moves the cutoff
    /// stage's choice, so the lattice stage runs at the recommended cutoff, and so does the final point.
    @Test func analysisCriteriaMoveTheStageChoiceAndTheRecommendationAlike() throws {
        let config = try preset("gaas-fast.yaml", ["analysis={gap: 1 meV}"])
        let planner = ScanPlanner(config: config)
        let stages = planner.stages()
        let cutoff = try #require(stages.first { $0.name == "cutoff" })
        var choices = planner.initialChoices()
        let points = try cutoff.plan(choices, planner: planner)
        #expect(points.map(\.ecut) == [10, 12, 14, 16])
        // energies within 0.5 meV/atom of 16 Ha everywhere (20 meV/atom would take 10 Ha); gaps 5 meV off below 14 Ha
        let gapOffset: [Double: Double] = [10: 5e-3, 12: 5e-3, 14: 5e-5, 16: 0]
        var results = StageResults()
        for p in points {
            results[p.key] = record(stage: "cutoff", ecut: p.ecut, kmesh: p.kmesh, a: 5.653,
                                    f: -8.5 + meV(0.5) * (16 - p.ecut) / 6, gap: 0.05 + gapOffset[p.ecut]! * Units.electronVolt)
        }
        let d = cutoff.decide(points, results: results, choices: &choices)
        #expect(d.decided && choices.ecut == 14, "\(d.summary)")
        var energyOnly = planner.initialChoices()
        _ = CutoffStage(spec: config.cutoff!).decide(points, results: results, choices: &energyOnly)
        #expect(energyOnly.ecut == 10, "the gap criterion is what moves the choice")
        // the stage's decision is the one the analysis makes of the same records
        let settings = AnalysisSettings(scan: config, analysis: config.analysis)
        let records = Array(results.values)
        let analysis = RunAnalysis.analyse(records: records, settings: settings)
        #expect(analysis.decisions.first?.message == d.summary)
        let base = config.base
        let rec = RunAnalysis.recommend(analysis: analysis, system: SystemDescription(config: base), baseEcut: base.discretization.ecut,
                                        baseKmesh: base.discretization.kmesh, baseKshift: base.discretization.kshift,
                                        records: records, gap: nil, settings: settings)
        #expect(rec.ecut_Ha == 14 && rec.tolerances["cutoff"] == settings.criteria(for: "cutoff"))
        // the lattice stage runs at the recommended cutoff, and so does the final point
        let lattice = try #require(stages.first { $0.name == "lattice" })
        let latticePoints = try lattice.plan(choices, planner: planner)
        #expect(!latticePoints.isEmpty && latticePoints.allSatisfy { $0.ecut == rec.ecut_Ha })
        let final = try RunAnalysis.finalPoint(of: rec, config: base)
        #expect(final.config.discretization.ecut == rec.ecut_Ha && final.id.hasPrefix("final/ecut=14Ha"), "\(final.id)")
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
