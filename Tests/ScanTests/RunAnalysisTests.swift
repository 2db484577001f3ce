import Bindings
import Foundation
import Parallel
import PlaneWave
import Testing
import TestSupport
import Input
import Convergence
import RunStore
import ParallelSCF
@testable import Scan

/// MPI in the test process: initialised once, lazily, never finalised (a singleton, 1 rank).
enum ScanTestMPI {
    static let world: Communicator = {
        MPIRuntime.initialize()
        return Communicator.world
    }()
}

@Suite("Run analysis")
struct RunAnalysisTests {
    /// What the runner calls at the end of a run: decisions, EOS, the final point at a0 (SCF on the
    /// group), bands and DOS, and every file; `report` regenerates the same page from them.
    @Test func finishComputesTheFinalPointAndWritesEverything() throws {
        BLASThreads.set(1)
        let world = ScanTestMPI.world
        let dir = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // consistent synthetic energies: E(a) on a Birch–Murnaghan curve at the chosen 10 Ha, 2×2×2; the
        // k-mesh stage's 2×2×2 point and the lattice stage's 5.653 Å point are the cutoff stage's 10 Ha point
        let truth = [-8.45, 300.0, 60 / Units.hartreePerBohr3InGPa, 4.5]
        func bm(_ a: Double) -> Double { EquationOfState.Form.birchMurnaghan.energy(pow(a * Units.angstrom, 3) / 4, truth) }
        let a0 = pow(4 * 300.0, 1.0 / 3) / Units.angstrom
        let e12 = bm(5.653) - meV(0.5)
        var recs = [(6.0, e12 + meV(20)), (8.0, e12 + meV(2)), (10.0, bm(5.653)), (12.0, e12)].map {
            record(stage: "cutoff", ecut: $0.0, kmesh: [2, 2, 2], f: $0.1)
        }
        let e3 = bm(5.653) - meV(0.4)
        recs += [([1, 1, 1], e3 + meV(30)), ([3, 3, 3], e3)].map { record(stage: "kmesh", ecut: 10, kmesh: $0.0, f: $0.1) }
        for a in stride(from: 5.55, through: 5.75, by: 0.05) {
            recs.append(record(stage: "lattice", ecut: 10, kmesh: [2, 2, 2], a: a, f: bm(a)))
        }
        var settings = AnalysisSettings()
        settings.band_points = 24
        settings.dos_kmesh = [3, 3, 3]
        let cfg = try Config.parse(yaml: gaasYAML)
        let outcome = try RunAnalysis.finish(runDirectory: dir, records: recs, config: cfg, settings: settings, group: world,
                                             provenance: ["command": "test"])
        let final = try #require(outcome.finalRecord)
        #expect(final.stage == "final" && final.status == .converged)
        #expect(final.ecut_Ha == 10 && final.kmesh == [2, 2, 2])
        #expect(outcome.document.eos?.points.count == 6, "five lattice points and the shared 5.653 Å point")
        #expect(abs(final.lattice_constant_angstrom - a0) < 1e-6)
        #expect(abs(final.volume_bohr3 - 300) < 1e-6)
        let rec = try #require(outcome.document.recommended)
        #expect(abs(rec.lattice_constant_angstrom! - a0) < 1e-6 && abs(rec.bulk_modulus_GPa! - 60) < 1e-3)
        let bands = try #require(outcome.document.bands)
        #expect(bands.bands.kpoints_reduced.count >= 20 && bands.dos.n_irreducible_k == 4)
        #expect(rec.gap_eV == bands.gap?.gap_eV)
        for f in ["report.html", "analysis.json", "recommended.json", "abinit-snippet.abi", "qe-snippet.in", "bands.csv", "dos.csv",
                  "Ga.GTH-PBE-q3.gth", "As.GTH-PBE-q5.gth"] {
            #expect(outcome.files.contains(dir + "/" + f), "\(f)")
        }
        // regenerating from the journal (the runner's lines, checksummed) and analysis.json gives the same recommendation
        let lines = try (recs + [final]).map { try Journal.line(for: $0) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/journal.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir + "/recommended.json")
        try RunAnalysis.regenerate(runDirectory: dir)
        let again = try JSONDecoder().decode(RecommendedParameters.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/recommended.json")))
        #expect(again.ecut_Ha == rec.ecut_Ha && again.kmesh == rec.kmesh && again.lattice_constant_angstrom == rec.lattice_constant_angstrom)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("records read from</th><td>journal.jsonl"))
        #expect(html.contains(final.id))
    }
}

@Suite("Run analysis of a staged run's journal")
struct StagedJournalAnalysisTests {
    /// The runner journals a point once, under the first stage planning it: a k-mesh stage of [2, 4]
    /// whose 2×2×2 point the cutoff stage computed holds one record of its own, and is still decided.
    @Test func meshStageWithItsFirstPointUnderTheCutoffStage() {
        let recs = [record(stage: "cutoff", ecut: 14, kmesh: [2, 2, 2], f: -8.50), record(stage: "cutoff", ecut: 16, kmesh: [2, 2, 2], f: -8.50 - meV(5)),
                    record(stage: "kmesh", ecut: 14, kmesh: [4, 4, 4], f: -8.50 + meV(300))]
        let a = RunAnalysis.analyse(records: recs)
        let mesh = a.decisions.first { $0.parameter == .kmesh }
        #expect(mesh?.stage == "kmesh" && mesh?.rows.count == 2 && mesh?.chosen == "k 4x4x4" && mesh?.converged == false,
                "\(a.decisions.map(\.message))")
        #expect(a.decisions.first { $0.parameter == .cutoff }?.chosen == "ecut 16 Ha")
    }
}

@Suite("Analysis settings of a scan")
struct ScanAnalysisSettingsTests {
    /// A scan's stage tolerances become the decisions' criteria of those stages.
    @Test func stageTolerancesFromTheScanConfig() throws {
        let dir = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var yaml = try String(contentsOf: configDirectory.appendingPathComponent("gaas-fast.yaml"), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "    tolerance: 20 meV/atom", with: """
            tolerance: 20 meV/atom
            energy_difference: {lattice_constants: [5.60 Å, 5.70 Å], tolerance: 0.5 meV/atom}
        """)
        try yaml.write(toFile: dir + "/scan.yaml", atomically: true, encoding: .utf8)
        let (cfg, settings) = try RunAnalysis.loadConfig(path: dir + "/scan.yaml")
        #expect(cfg.name == "gaas-fast")
        let cut = settings.criteria(for: "cutoff"), k = settings.criteria(for: "kmesh")
        #expect(abs(cut.energy_eV_per_atom - 0.020) < 1e-9 && abs(k.energy_eV_per_atom - 0.010) < 1e-9)
        #expect(cut.energy_difference && abs(cut.energy_difference_eV_per_atom - 0.0005) < 1e-9)
        #expect(settings.criteria(for: "lattice") == ConvergenceCriteria())
    }
}
