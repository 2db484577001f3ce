import Foundation
import Testing
import PlaneWave
@testable import Workflow

let scanConfigDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("config")

func preset(_ name: String, _ overrides: [String] = []) throws -> ScanConfig {
    try ScanConfig.load(path: scanConfigDirectory.appendingPathComponent(name).path, overrides: overrides)
}

func record(_ id: String, _ f: Double?, status: PointRecord.Status = .converged, atoms: Int = 2,
            finished: String = "2026-01-01T00:00:00Z") -> PointRecord {
    PointRecord(id: id, stage: String(id.prefix { $0 != "/" }), ecut_Ha: 10, kmesh: [2, 2, 2], kshift: [0, 0, 0],
                lattice_constant_angstrom: 5.653, smearing: "none", smearing_width_Ha: 0, status: status,
                free_energy_Ha: f, volume_bohr3: 300, atoms: atoms, wall_time_s: 1, ranks: 1, host: "h", finished_at: finished)
}

@Suite struct ScanConfigTests {
    @Test func presets() throws {
        let fast = try preset("gaas-fast.yaml")
        #expect(fast.mode == .staged && fast.stageNames == ["cutoff", "kmesh", "lattice"])
        #expect(fast.cutoff?.values == [10, 12, 14, 16] && fast.cutoff?.kmesh == [2, 2, 2])
        #expect(abs(fast.cutoff!.tolerance - 0.020 / Units.hartreeInEV) < 1e-15)
        #expect(fast.kmesh?.values == [[2, 2, 2], [4, 4, 4], [6, 6, 6]])
        #expect(fast.lattice?.values.count == 5)
        #expect(abs(fast.lattice!.values[2] - 5.75 * Units.angstrom) < 1e-12)
        #expect(abs(fast.lattice!.values[4] / fast.lattice!.values[2] - 1.02) < 1e-12)
        #expect(fast.resources.timeout == 300 && fast.resources.ranksPerPoint == nil)
        #expect(fast.outputDirectory.hasSuffix("results/runs/gaas-fast"))

        let prod = try preset("gaas-production.yaml")
        #expect(prod.cutoff!.values.first! == 40 && prod.cutoff!.values.last! == 100, "80…200 Ry in Ha")
        #expect(prod.cutoff!.differenceLattice?.count == 2)
        #expect(prod.kmesh!.values.last == [8, 8, 8] && prod.resources.timeout == 900)
        #expect(prod.resources.memoryLimit == 16_000_000_000)
        let hpc = try preset("gaas-hpc.yaml")
        #expect(hpc.resources.timeout == 3600 && hpc.resources.memoryLimit == 64_000_000_000 && hpc.kmesh!.values.count == 7)
        // a one-point config gets default stages around its basis
        let si = try preset("si-lda.yaml")
        #expect(si.stageNames == ["cutoff", "kmesh", "lattice"] && si.cutoff!.values.contains(15))
        #expect(si.physicsIdentity != fast.physicsIdentity)
    }

    @Test func setOverrides() throws {
        let c = try preset("gaas-fast.yaml", ["output.directory=/scratch/run1", "stages.kmesh.values=[2,4]",
                                              "structure.atoms[1].position=[0.3, 0.25, 0.25]", "resources.ranks_per_point=2",
                                              "stages.mode=grid"])
        #expect(c.outputDirectory == "/scratch/run1")
        #expect(c.kmesh?.values == [[2, 2, 2], [4, 4, 4]] && c.mode == .grid && c.resources.ranksPerPoint == 2)
        #expect(c.base.crystal.atoms[1].position.x == 0.3)
        #expect(c.configHash != (try preset("gaas-fast.yaml")).configHash)
        #expect(throws: ScanConfigErrors.self) { try preset("gaas-fast.yaml", ["name.x=1"]) }
        #expect(throws: ScanConfigErrors.self) { try preset("gaas-fast.yaml", ["structure.atoms[7].species=Ga"]) }
    }

    @Test func everyProblemWithItsPath() throws {
        let yaml = try String(contentsOf: scanConfigDirectory.appendingPathComponent("gaas-fast.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", with: "values: [10 Ha, -5 Ha, 0 Ry]")
            .replacingOccurrences(of: "timeout: 300 s", with: "timeout: soon")
        do {
            _ = try ScanConfig.parse(yaml: yaml, file: "x.yaml")
            Issue.record("accepted")
        } catch let e as ScanConfigErrors {
            let paths = e.errors.map(\.path)
            #expect(paths == ["stages.cutoff.values[1]", "stages.cutoff.values[2]", "resources.timeout"], "\(e)")
            #expect(e.errors[0].description.hasPrefix("stages.cutoff.values[1]: -5 Ha must be positive (x.yaml, line"))
        }
    }
}

/// The `analysis:` section of a scan config: read into `ScanConfig.analysis`, validated with its paths.
@Suite struct ScanAnalysisSectionTests {
    @Test func readAndCombinedWithTheStageTolerances() throws {
        let c = try preset("gaas-fast.yaml", ["analysis={energy_tolerance: 2 meV/atom, final_point: false, bands: {points: 30}, dos: {kmesh: 5x5x5, broadening: 0.05 eV}}"])
        #expect(!c.analysis.final_point && c.analysis.band_points == 30 && c.analysis.dos_kmesh == [5, 5, 5])
        #expect(abs(c.analysis.dos_broadening_eV - 0.05) < 1e-12 && abs(c.analysis.criteria.energy_eV_per_atom - 0.002) < 1e-12)
        let s = AnalysisSettings(scan: c, analysis: c.analysis)
        #expect(abs(s.criteria(for: "cutoff").energy_eV_per_atom - 0.020) < 1e-9, "the cutoff stage's 20 meV/atom")
        #expect(abs(s.criteria(for: "lattice").energy_eV_per_atom - 0.002) < 1e-12, "the section's tolerance elsewhere")
        #expect(try preset("gaas-fast.yaml").analysis == AnalysisSettings())
    }

    @Test(arguments: [
        ("analysis={bands: {points: 1}}", "analysis.bands.points: 1 must be at least 2"),
        ("analysis={dos: {kmesh: 0x2x2}}", "analysis.dos.kmesh"),
        ("analysis={energy_tolerance: -1 meV/atom}", "analysis.energy_tolerance: -1 meV/atom must be positive"),
        ("analysis={final_pont: true}", "analysis.final_pont: unknown key"),
        ("analysis=[1, 2]", "analysis: "),
    ])
    func rejectedWithItsPath(_ set: String, _ expected: String) throws {
        do {
            _ = try preset("gaas-fast.yaml", [set])
            Issue.record("accepted \(set)")
        } catch let e as ScanConfigErrors {
            #expect(e.errors.count == 1 && e.description.hasPrefix(expected), "\(e)")
        }
    }
}

@Suite struct JournalTests {
    func tempFile() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("j-\(UUID().uuidString)").path }

    @Test func roundTripAndDamage() throws {
        let path = tempFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let j = Journal(path: path)
        try j.append(record("cutoff/a", -8.5))
        try j.append(record("cutoff/b", -8.6))
        var (recs, problems) = Journal.read(path: path)
        #expect(recs.map(\.id) == ["cutoff/a", "cutoff/b"] && problems.isEmpty)
        #expect(recs[0] == record("cutoff/a", -8.5))
        // an edited value fails its checksum; a torn line is malformed; the next append starts a new line
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "-8.6", with: "-8.7")
        text += String(try Journal.line(for: record("cutoff/c", -1)).prefix(40))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let j2 = Journal(path: path)
        try j2.open()
        try j2.append(record("cutoff/d", -2))
        (recs, problems) = Journal.read(path: path)
        #expect(recs.map(\.id) == ["cutoff/a", "cutoff/d"])
        #expect(problems.map(\.line) == [2, 3])
        #expect(problems[0].reason == "checksum mismatch" && problems[0].id == "cutoff/b")
        #expect(problems[1].reason.contains("truncated"))
    }

    @Test func checkpointAtomicAndChecked() throws {
        let path = tempFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = RunState(configHash: "abc", updatedAt: "now", stages: [], choices: StageChoices(ecut: 10, kmesh: [2, 2, 2], a: 10),
                         finished: false, warnings: ["w"])
        try writeAtomically(try s.encoded(), to: path)
        guard case .success(let back)? = RunState.load(path: path) else { Issue.record("not loaded"); return }
        #expect(back == s)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: path))
        guard case .failure(let e)? = RunState.load(path: path) else { Issue.record("truncation not detected"); return }
        #expect(e.message.contains("truncated"))
        #expect(RunState.load(path: path + ".none") == nil)
    }

    @Test func collectPrefersConvergedThenLatest() {
        let merged = ScanCollect.merge([
            record("grid/a", -1, finished: "2026-01-01T00:00:01Z"),
            record("grid/a", nil, status: .failed, finished: "2026-01-01T00:00:02Z"),
            record("grid/b", nil, status: .timeout, finished: "2026-01-01T00:00:01Z"),
            record("grid/b", -2, finished: "2026-01-01T00:00:03Z"),
            record("grid/c", -3, finished: "2026-01-01T00:00:01Z"),
            record("grid/c", -3.5, finished: "2026-01-01T00:00:04Z"),
        ])
        let byID = Dictionary(uniqueKeysWithValues: merged.map { ($0.id, $0) })
        #expect(byID["grid/a"]?.free_energy_Ha == -1 && byID["grid/b"]?.free_energy_Ha == -2 && byID["grid/c"]?.free_energy_Ha == -3.5)
    }
}

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

@Suite struct DensityTransferTests {
    @Test func sameGridIsACopyAndOthersKeepTheCharge() {
        let grid = [6, 6, 8]
        let n = grid.reduce(1, *)
        let values = (0..<n).map { i in 1 + 0.3 * sin(2 * Double.pi * Double(i % 8) / 8) }
        let volume = 250.0
        let electrons = Int((values.reduce(0, +) * volume / Double(n)).rounded())
        let rho = StoredDensity(grid: grid, volume: volume, values: values)
        let same = rho.transferred(to: grid, volume: volume, electrons: electrons)
        let scale = Double(electrons) / (values.reduce(0, +) * volume / Double(n))
        #expect(zip(same, values).allSatisfy { abs($0 - $1 * scale) < 1e-12 })
        let finer = rho.transferred(to: [8, 8, 10], volume: 260, electrons: 8)
        #expect(finer.count == 640 && abs(finer.reduce(0, +) * 260 / 640 - 8) < 1e-9 && finer.allSatisfy { $0 > 0 })
        let back = StoredDensity(encoded: rho.encoded())
        #expect(back?.grid == grid && back?.values == values && back?.volume == volume)
        #expect(StoredDensity(encoded: Data([1, 2, 3])) == nil)
    }
}
