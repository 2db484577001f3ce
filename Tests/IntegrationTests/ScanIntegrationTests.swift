import Foundation
import Testing

let gaasFast = packageRoot.appendingPathComponent("config/gaas-fast.yaml").path

/// What the tests read of summary.json.
struct ScanSummaryJSON: Decodable {
    struct Point: Decodable {
        let id: String
        let stage: String
        let status: String
        let free_energy_Ha: Double?
        let scf_iterations: Int?
        let error: String?
    }
    struct Choices: Decodable, Equatable {
        let ecut: Double
        let kmesh: [Int]
        let latticeWindowAngstrom: [Double]?
        let latticeMinimumAngstrom: Double?
    }
    let points: [Point]
    let choices: Choices?
    let warnings: [String]

    static func read(_ dir: String, file: String = "summary.json") throws -> ScanSummaryJSON {
        try JSONDecoder().decode(ScanSummaryJSON.self, from: Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(file)))
    }

    var energies: [String: Double] {
        Dictionary(uniqueKeysWithValues: points.compactMap { p in p.free_energy_Ha.map { (p.id, $0) } })
    }
}

/// The ids of the journal's lines that carry a record (of any status, or of `status`), in order.
func journalIDs(_ dir: String, status: String? = nil) throws -> [String] {
    let text = try String(contentsOfFile: dir + "/journal.jsonl", encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
        if let status, !line.contains("\"status\":\"\(status)\"") { return nil }
        guard let r = line.range(of: "\"id\":\""), let end = line[r.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(line[r.upperBound..<end])
    }
}

/// Direct children of `pid` (from /proc).
func childProcesses(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { e -> Int32? in
        guard let child = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && Int32(fields[1]) == pid ? child : nil
    }
}

func scratchDirectory(_ label: String) -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(label)-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Both summaries hold the same points with the same energies (1e-8 Ha).
func expectSameSummaries(_ a: ScanSummaryJSON, _ b: ScanSummaryJSON, _ label: String) {
    let ea = a.energies, eb = b.energies
    #expect(Set(ea.keys) == Set(eb.keys), "\(label): points differ: \(Set(ea.keys).symmetricDifference(Set(eb.keys)))")
    for (id, f) in ea { if let g = eb[id] { #expect(abs(f - g) < 1e-8, "\(label): \(id): F \(f) vs \(g)") } }
}

/// The full gaas-fast scan on 1 rank, computed once and shared (the uninterrupted reference).
final class ReferenceRun: @unchecked Sendable {
    static let shared = ReferenceRun()
    private let lock = NSLock()
    private var dir: String?

    func directory() throws -> String {
        lock.lock(); defer { lock.unlock() }
        if let dir { return dir }
        let d = scratchDirectory("reference")
        let out = try Preconv.run(ranks: 1, ["run", gaasFast, "--set", "output.directory=\(d)"], timeout: 600)
        #expect(out.status == 0, "reference run exit \(out.status): \(out.stderr)")
        dir = d
        return d
    }
}

@Suite(.serialized) struct ScanIntegration {
    /// gaas-fast on 4 ranks chooses what 1 rank chooses, with the same energies.
    @Test func fourRanksAgreeWithOne() throws {
        let one = try ReferenceRun.shared.directory()
        let d = scratchDirectory("four")
        let out = try Preconv.run(ranks: 4, ["run", gaasFast, "--set", "output.directory=\(d)"], timeout: 600)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        #expect(out.stdout.contains("[cutoff 1/4]") && out.stdout.contains("ETA stage"), "progress lines: \(out.stdout)")
        let a = try ScanSummaryJSON.read(one), b = try ScanSummaryJSON.read(d)
        #expect(a.choices != nil && a.choices == b.choices, "choices \(String(describing: a.choices)) vs \(String(describing: b.choices))")
        expectSameSummaries(a, b, "1 vs 4 ranks")
        #expect(a.points.allSatisfy { $0.status == "converged" })
        // a second run on the finished directory computes nothing
        let again = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)"], timeout: 120)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 point(s) computed"), "\(again.stdout)")
        #expect(try journalIDs(d).count == a.points.count)
        try? FileManager.default.removeItem(atPath: d)
    }

    /// Warm starts change no result: every point of a cold run (`--no-warm-start`, 2 ranks) has the
    /// warm reference's F within 1e-7 Ha; and the warm run needs at most 0.7 × the cold SCF iterations.
    @Test func warmStartMatchesCold() throws {
        let warm = try ScanSummaryJSON.read(try ReferenceRun.shared.directory())
        let d = scratchDirectory("cold")
        let out = try Preconv.run(ranks: 2, ["run", gaasFast, "--no-warm-start", "--set", "output.directory=\(d)"], timeout: 600)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        let cold = try ScanSummaryJSON.read(d)
        let ew = warm.energies, ec = cold.energies
        #expect(Set(ew.keys) == Set(ec.keys) && ew.count == 12)   // 11 scan points and the final point
        for (id, f) in ew { if let g = ec[id] { #expect(abs(f - g) <= 1e-7, "\(id): warm F \(f) vs cold \(g)") } }
        let iw = warm.points.compactMap(\.scf_iterations).reduce(0, +), ic = cold.points.compactMap(\.scf_iterations).reduce(0, +)
        #expect(Double(iw) <= 0.7 * Double(ic), "warm \(iw) vs cold \(ic) SCF iterations")
        try? FileManager.default.removeItem(atPath: d)
    }

    /// kill -9 of mpirun in the middle of a run, then `run` again: nothing finished is recomputed
    /// and the summary equals an uninterrupted run's.
    @Test func killAndResume() throws {
        let reference = try ScanSummaryJSON.read(try ReferenceRun.shared.directory())
        let d = scratchDirectory("kill")
        let bin = try #require(Preconv.binary)
        let p = Process()
        // Process puts the child in its own process group: mpirun and its ranks are killed together
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2", bin, "run", gaasFast,
                       "--set", "output.directory=\(d)"]
        p.environment = Preconv.childEnvironment()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(300)
        var before: [String] = []
        // killed once the first stage has decided (its in-progress report written), in the next stage
        while Date() < deadline, p.isRunning {
            let events = (try? String(contentsOfFile: d + "/events.jsonl", encoding: .utf8)) ?? ""
            if events.contains("\"kind\":\"stage_decided\"") { break }
            usleep(50_000)
        }
        usleep(200_000)
        #expect(p.isRunning, "the run finished before it could be killed")
        // Open MPI puts every rank in a process group of its own: kill mpirun's group and its children
        let ranks = childProcesses(of: p.processIdentifier)
        kill(-p.processIdentifier, SIGKILL)
        for r in ranks { kill(r, SIGKILL) }
        p.waitUntilExit()
        for _ in 0..<100 where ranks.contains(where: { kill($0, 0) == 0 }) { usleep(50_000) }
        usleep(300_000)
        before = try journalIDs(d)
        #expect(before.count >= 2 && before.count < reference.points.count, "killed after \(before.count) records")
        // the page of a run that goes on: marked in progress, with the stage that decided
        let page = try String(contentsOfFile: d + "/report.html", encoding: .utf8)
        #expect(page.contains("id=\"in-progress\"") && page.contains("stage(s) cutoff decided, stage kmesh next"))
        // `status --watch` on a killed run: no process holds its lock and it did not finish, exit 1
        let watched = try Preconv.run(ranks: nil, ["status", d, "--watch", "--interval", "0.2"], timeout: 60)
        #expect(watched.status == 1 && watched.stdout.contains("did not finish"), "exit \(watched.status): \(watched.stdout)")

        let out = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)"], timeout: 600)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        #expect(out.stderr.contains("resuming"), "\(out.stderr)")
        let after = try journalIDs(d)
        #expect(Array(after.prefix(before.count)) == before, "the journal is append-only")
        let recomputed = Set(after.dropFirst(before.count)).intersection(before)
        #expect(recomputed.isEmpty, "finished points recomputed: \(recomputed)")
        #expect(Set(after).count == after.count, "a point appears twice: \(after)")
        let s = try ScanSummaryJSON.read(d)
        #expect(s.choices == reference.choices)
        expectSameSummaries(s, reference, "killed+resumed vs uninterrupted")
        #expect(!(try String(contentsOfFile: d + "/report.html", encoding: .utf8)).contains("in-progress"), "the end-of-run page")
        try? FileManager.default.removeItem(atPath: d)
    }

    /// A damaged journal line and a truncated checkpoint are reported; only that point is recomputed.
    @Test func corruptedJournalAndCheckpoint() throws {
        let reference = try ReferenceRun.shared.directory()
        let d = scratchDirectory("corrupt")
        try? FileManager.default.removeItem(atPath: d)
        try FileManager.default.copyItem(atPath: reference, toPath: d)
        let journal = d + "/journal.jsonl"
        var lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").map(String.init)
        let victim = 2
        let victimID = try journalIDs(d)[victim]
        lines[victim] = lines[victim].replacingOccurrences(of: "\"free_energy_Ha\":-8.", with: "\"free_energy_Ha\":-9.")
        try (lines.joined(separator: "\n") + "\n").write(toFile: journal, atomically: true, encoding: .utf8)
        let state = try Data(contentsOf: URL(fileURLWithPath: d + "/state.json"))
        try state.prefix(state.count / 2).write(to: URL(fileURLWithPath: d + "/state.json"))

        let status = try Preconv.run(ranks: nil, ["status", d])
        #expect(status.status == 0 && status.stdout.contains("journal line \(victim + 1): checksum mismatch"), "\(status.stdout)")

        let out = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)"], timeout: 300)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        #expect(out.stderr.contains("journal line \(victim + 1): checksum mismatch") && out.stderr.contains(victimID), "\(out.stderr)")
        #expect(out.stderr.contains("checkpoint") && out.stderr.contains("truncated"), "\(out.stderr)")
        let ids = try journalIDs(d)
        #expect(ids.count == lines.count + 1 && ids.last == victimID, "recomputed: \(ids.dropFirst(lines.count))")
        expectSameSummaries(try ScanSummaryJSON.read(d), try ScanSummaryJSON.read(reference), "after repair")
        try? FileManager.default.removeItem(atPath: d)
    }

    /// An iteration limit of 1 on one point and a tiny timeout on another: both recorded with their
    /// reason, the rest completes, exit 1; `rerun --failed` with the fixed config computes those two only.
    /// The cost check would refuse the 0.02 s point before any work: `--force` starts it.
    @Test func failuresAndRerun() throws {
        let d = scratchDirectory("fail")
        let shrink = ["--set", "stages.cutoff.values=[10 Ha, 12 Ha]", "--set", "stages.kmesh.values=[2]",
                      "--set", "stages.lattice.points=3", "--set", "output.directory=\(d)"]
        let faults = ["--set", "point_overrides=[{stage: lattice, index: 0, max_iterations: 1}, {stage: lattice, index: 2, timeout: 0.02 s}]"]
        let out = try Preconv.run(ranks: 2, ["run", gaasFast, "--force"] + shrink + faults, timeout: 300)
        #expect(out.status == 1, "exit \(out.status): \(out.stderr)")
        #expect(out.stderr.contains("timeout of 0.02 s") && out.stderr.contains("starting anyway (--force)"), "\(out.stderr)")
        #expect(out.stderr.contains("2 of 3 points failed"), "failure-rate warning: \(out.stderr)")
        let s = try ScanSummaryJSON.read(d)
        let failed = s.points.filter { $0.status != "converged" }
        #expect(Set(failed.map(\.status)) == ["unconverged", "timeout"], "\(failed)")
        #expect(failed.first { $0.status == "unconverged" }?.error?.contains("max_iterations 1") == true)
        #expect(failed.first { $0.status == "timeout" }?.error?.contains("time limit") == true)
        #expect(s.points.count - failed.count == 3, "the others completed")   // 2 cutoffs (the mesh stage reuses 2x2x2) + 1 lattice point
        #expect(s.warnings.contains { $0.contains("failed") })
        let before = try journalIDs(d)

        let rerun = try Preconv.run(ranks: 2, ["rerun", "--failed", d, "--set", "point_overrides=null"], timeout: 300)
        #expect(rerun.status == 0, "exit \(rerun.status): \(rerun.stderr)")
        let after = try journalIDs(d)
        // the failed points, then (the scan now complete) the final point at a0
        let added = Array(after.dropFirst(before.count))
        #expect(!before.contains { $0.hasPrefix("final/") }, "no final point while points had failed")
        #expect(Set(added.dropLast()) == Set(failed.map(\.id)) && added.count == 3 && added.last?.hasPrefix("final/") == true,
                "rerun computed \(added)")
        #expect(try ScanSummaryJSON.read(d).points.allSatisfy { $0.status == "converged" })
        try? FileManager.default.removeItem(atPath: d)
    }

    /// `collect` of two shards equals the whole grid run; incompatible runs are refused.
    @Test func collectShards() throws {
        let base = scratchDirectory("grid")
        let grid = ["--set", "stages.mode=grid", "--set", "stages.cutoff.values=[10 Ha, 12 Ha]", "--set", "stages.kmesh.values=[2, 3]",
                    "--set", "stages.lattice=null"]
        let whole = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(base)/whole"] + grid, timeout: 300)
        #expect(whole.status == 0, "\(whole.stderr)")
        for i in 1...2 {
            let s = try Preconv.run(ranks: 1, ["run", gaasFast, "--shard", "\(i)/2", "--set", "output.directory=\(base)/sharded"] + grid, timeout: 300)
            #expect(s.status == 0, "shard \(i): \(s.stderr)")
        }
        let merged = base + "/merged.csv"
        let c = try Preconv.run(ranks: nil, ["collect", base + "/sharded/shard-1-of-2", base + "/sharded/shard-2-of-2", "-o", merged])
        #expect(c.status == 0, "\(c.stderr)")
        let m = try ScanSummaryJSON.read(base, file: "merged.json"), w = try ScanSummaryJSON.read(base + "/whole")
        #expect(m.points.count == 4)
        expectSameSummaries(m, w, "collected shards vs whole run")
        let csv = try String(contentsOfFile: merged, encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 5 && csv[0].contains("free_energy_Ha") && csv[0].contains("ecut_Ha"))

        let other = try Preconv.run(ranks: 1, ["run", gaasFast, "--set", "output.directory=\(base)/other",
                                               "--set", "smearing.width=0.02 Ha", "--set", "stages.cutoff.values=[10 Ha]"] + grid, timeout: 300)
        #expect(other.status == 0, "\(other.stderr)")
        let bad = try Preconv.run(ranks: nil, ["collect", base + "/whole", base + "/other", "-o", base + "/bad.csv"])
        #expect(bad.status == 2 && bad.stderr.contains("smearing"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: base + "/bad.csv"))

        let st = try Preconv.run(ranks: nil, ["status", base + "/whole"])
        #expect(st.status == 0 && st.stdout.contains("finished") && st.stdout.contains("4 point(s) recorded: 4 converged"), "\(st.stdout)")
        try? FileManager.default.removeItem(atPath: base)
    }

    /// A run refuses to mix runs of different physics in one directory without --fresh.
    @Test func refusesToOverwriteWithoutFresh() throws {
        let d = scratchDirectory("fresh")
        let small = ["--set", "stages.mode=grid", "--set", "stages.cutoff.values=[10 Ha]", "--set", "stages.kmesh.values=[2]",
                     "--set", "stages.lattice=null", "--set", "output.directory=\(d)"]
        #expect(try Preconv.run(ranks: 1, ["run", gaasFast] + small).status == 0)
        let other = try Preconv.run(ranks: 1, ["run", gaasFast, "--set", "functional=LDA"] + small)
        #expect(other.status == 2 && other.stderr.contains("--fresh"), "\(other.stderr)")
        let fresh = try Preconv.run(ranks: 1, ["run", gaasFast, "--set", "functional=LDA", "--fresh"] + small)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try journalIDs(d).count == 1)
        try? FileManager.default.removeItem(atPath: d)
    }
}

/// Malformed scan configs: one error line naming the field, exit status 2, no crash.
@Suite struct MalformedScanConfigs {
    static let base = try! String(contentsOfFile: gaasFast, encoding: .utf8)

    /// (label, replacements applied to gaas-fast.yaml, expected fragment of the error line)
    static let cases: [(String, [(String, String)], String)] = [
        ("negative cutoff", [("values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", "values: [10 Ha, 12 Ha, -5 Ha, 16 Ha]")], "stages.cutoff.values[2]: -5 Ha must be positive"),
        ("zero cutoff", [("values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", "values: [0 Ha, 12 Ha]")], "stages.cutoff.values[0]: 0 Ha must be positive"),
        ("empty cutoff list", [("values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", "values: []")], "stages.cutoff.values: is empty"),
        ("cutoff values not a list", [("values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", "values: 10 Ha")], "stages.cutoff.values: expected a list"),
        ("cutoff wrong unit", [("values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", "values: [10 Å]")], "stages.cutoff.values[0]"),
        ("k-mesh not an integer", [("values: [2, 4, 6]", "values: [2, four, 6]")], "stages.kmesh.values[1]"),
        ("zero k-mesh", [("values: [2, 4, 6]", "values: [0, 2]")], "stages.kmesh.values[0]"),
        ("duplicate k-mesh", [("values: [2, 4, 6]", "values: [2, 4, 2]")], "stages.kmesh.values: 2x2x2 is listed twice"),
        ("zero lattice points", [("points: 5", "points: 0")], "stages.lattice.points: 0 must be at least 1"),
        ("negative lattice range", [("range: 2 %", "range: -2 %")], "stages.lattice.range: -2 % must be positive"),
        ("absurd lattice range", [("range: 2 %", "range: 80 %")], "stages.lattice.range"),
        ("absurd lattice centre", [("center: 5.75 Å", "center: 5750 Å")], "stages.lattice.center"),
        ("negative tolerance", [("tolerance: 20 meV/atom", "tolerance: -1 meV/atom")], "stages.cutoff.tolerance"),
        ("unknown stage key", [("  cutoff:\n", "  cutof:\n")], "stages.cutof: unknown key 'cutof'"),
        ("unknown top-level key", [("resources:", "resorces:")], "resorces: unknown key 'resorces'"),
        ("unknown resources key", [("timeout: 300 s", "time_out: 300 s")], "resources.time_out: unknown key"),
        ("negative timeout", [("timeout: 300 s", "timeout: -5 s")], "resources.timeout: -5 s must be positive"),
        ("timeout unit", [("timeout: 300 s", "timeout: 5 parsecs")], "resources.timeout"),
        ("memory not a size", [("memory_limit: 2 GiB", "memory_limit: lots")], "resources.memory_limit"),
        ("zero ranks per point", [("ranks_per_point: auto", "ranks_per_point: 0")], "resources.ranks_per_point: 0 must be at least 1"),
        ("zero checkpoint interval", [("checkpoint_interval: 30 s", "checkpoint_interval: 0 s")], "output.checkpoint_interval"),
        ("bad mode", [("mode: staged ", "mode: sideways ")], "stages.mode: 'sideways'"),
        ("list where a number belongs", [("points: 5", "points: [5]")], "stages.lattice.points: expected a number of points, got a list"),
        ("missing POSCAR", [("  lattice: {bravais: fcc, a: 5.653 Å}\n  atoms:\n    - {species: Ga, position: [0, 0, 0]}\n    - {species: As, position: [0.25, 0.25, 0.25]}",
                            "  poscar: no-such-POSCAR\n  a: 5.653 Å")], "structure.poscar"),
        ("overlapping atoms", [("position: [0.25, 0.25, 0.25]", "position: [0.001, 0, 0]")], "structure.atoms"),
        ("absurd lattice constant", [("a: 5.653 Å", "a: 5653 Å")], "structure.lattice.a"),
        ("negative lattice constant", [("a: 5.653 Å", "a: -5.653 Å")], "structure.lattice.a"),
        ("YAML syntax error", [("  cutoff:\n", "  cutoff: [\n")], "YAML"),
        ("override of a missing stage", [("output:", "point_overrides: [{stage: bands, index: 0}]\noutput:")], "point_overrides[0].stage: 'bands'"),
        ("string where a number belongs", [("max_iterations: 60", "max_iterations: many")], "scf.max_iterations"),
        ("analysis value", [("output:", "analysis: {bands: {points: 1}}\noutput:")], "analysis.bands.points: 1 must be at least 2"),
        ("unknown analysis key", [("output:", "analysis: {dos: {mesh: 4}}\noutput:")], "analysis.dos.mesh: unknown key"),
        ("pressure tolerance unit", [("tolerance: 20 meV/atom", "tolerance: {energy: 20 meV/atom, pressure: 0.5 eV}")],
         "stages.cutoff.tolerance.pressure: '0.5 eV' has unknown unit 'eV'; allowed units: GPa"),
        ("negative pressure tolerance", [("tolerance: 20 meV/atom", "tolerance: {energy: 20 meV/atom, pressure: -1 GPa}")],
         "stages.cutoff.tolerance.pressure: -1 GPa must be positive"),
        ("unknown tolerance quantity", [("tolerance: 10 meV/atom", "tolerance: {energy: 10 meV/atom, stress: 1 GPa}")],
         "stages.kmesh.tolerance.stress: unknown key 'stress'"),
        ("force warning", [("output:", "analysis: {force_warning: 0 Ha/bohr}\noutput:")], "analysis.force_warning: 0 Ha/bohr must be positive"),
    ]

    @Test(arguments: cases.indices)
    func malformed(_ i: Int) throws {
        let (label, edits, expected) = Self.cases[i]
        var text = Self.base
        for (from, to) in edits {
            #expect(text.contains(from), "\(label): fixture lacks '\(from)'")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-scan-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: nil, ["run", path, "--no-doctor", "--set", "output.directory=/tmp/never-\(UUID().uuidString)"])
        #expect(out.status == 2, "\(label): exit \(out.status): \(out.stderr)")
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains(expected), "\(label): \(out.stderr)")
        #expect(!crashMarkers.contains { out.stderr.contains($0) }, "\(label): crashed")
        #expect(out.stdout.isEmpty)
    }

    @Test(arguments: [
        (["--set", "stages..x=1"], "not a key path"),
        (["--set", "novalue"], "expected key=value"),
        (["--set", "stages.cutoff.values=[10 Ha, -3 Ha]"], "stages.cutoff.values[1]: -3 Ha must be positive"),
        (["--shard", "3/2"], "--shard"),
        (["--shard", "1/2"], "--shard needs stages.mode: grid"),
    ])
    func badCommandLine(_ extra: [String], _ expected: String) throws {
        let out = try Preconv.run(ranks: nil, ["run", gaasFast, "--no-doctor"] + extra)
        #expect(out.status == 2, "exit \(out.status): \(out.stderr)")
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(expected), "\(out.stderr)")
    }

    /// Several independent problems are all reported, one line each.
    @Test func everyProblemReported() throws {
        let text = Self.base.replacingOccurrences(of: "timeout: 300 s", with: "timeout: -1 s")
            .replacingOccurrences(of: "values: [2, 4, 6]", with: "values: [2, 0, 6]")
            .replacingOccurrences(of: "points: 5", with: "points: 0")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-scan-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: nil, ["run", path, "--no-doctor"])
        #expect(out.status == 2)
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 3, "\(out.stderr)")
        for f in ["resources.timeout", "stages.kmesh.values[1]", "stages.lattice.points"] {
            #expect(lines.contains { $0.hasPrefix("error: \(f)") }, "\(f) missing: \(out.stderr)")
        }
    }
}
