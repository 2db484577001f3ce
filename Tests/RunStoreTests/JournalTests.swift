import Foundation
import Testing
import PlaneWave
import TestSupport
import Convergence
import Input
@testable import RunStore

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

    /// `report` reads a run's records through `RunRecords.load`; a damaged line (edited value, bad
    /// checksum, torn write) is rejected there exactly as `run` rejects it (`Journal.read`), in a run
    /// directory and in a shard's.
    @Test func reportRejectsADamagedLineAsRunDoes() throws {
        let dir = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for journalDir in [dir, dir + "/shard-1"] {
            try FileManager.default.createDirectory(atPath: journalDir, withIntermediateDirectories: true)
            let path = RunDirectory(journalDir).journal
            let j = Journal(path: path)
            for (id, f) in [("cutoff/a", -8.5), ("cutoff/b", -8.6), ("cutoff/c", -8.65)] { try j.append(record(id, f)) }
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text = text.replacingOccurrences(of: "-8.6,", with: "-8.7,")            // value edited: checksum mismatch
            text += String(try Journal.line(for: record("cutoff/d", -1)).prefix(50)) // torn last line
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = Journal.read(path: path)
            #expect(run.records.map(\.id) == ["cutoff/a", "cutoff/c"] && run.problems.count == 2)
            let report = try RunRecords.load(runDirectory: dir)
            #expect(report.records == run.records, "report took \(report.records.map(\.id)), run \(run.records.map(\.id))")
            #expect(report.problems.count == run.problems.count)
            #expect(zip(report.problems, run.problems).allSatisfy { $0.contains($1.description) })
            if journalDir == dir { try FileManager.default.moveItem(atPath: path, toPath: dir + "/old.jsonl") }
        }
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

@Suite struct JournalForcesTests {
    /// A record carries the forces, the stress and the pressure through the journal.
    @Test func forcesAndStressRoundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("j-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var r = record("cutoff/a", -8.5)
        r.forces_Ha_per_bohr = [[-4.2e-4, 2.4e-3, 2.4e-3], [4.2e-4, -2.4e-3, -2.4e-3]]
        r.stress_Ha_per_bohr3 = [[-4.9e-5, 3.1e-5, 3.1e-5], [3.1e-5, -4.8e-5, -1.6e-6], [3.1e-5, -1.6e-6, -4.8e-5]]
        r.pressure_GPa = 1.43
        try Journal(path: path).append(r)
        let line = try String(contentsOfFile: path, encoding: .utf8)
        #expect(line.contains("\"forces_Ha_per_bohr\":[[") && line.contains("\"stress_Ha_per_bohr3\":[[") && line.contains("\"pressure_GPa\":1.43"))
        let (recs, problems) = Journal.read(path: path)
        #expect(problems.isEmpty && recs == [r])
        #expect(recs[0].largestForce?.atom == 0 && abs(recs[0].largestForce!.magnitude - (4.2e-4 * 4.2e-4 + 2 * 2.4e-3 * 2.4e-3).squareRoot()) < 1e-15)
    }

    /// A line written before forces and stress were recorded (no such keys) still loads (resume of older runs).
    @Test func oldLineWithoutForcesLoads() throws {
        let body = #"{"atoms":2,"ecut_Ha":10,"finished_at":"2026-01-01T00:00:00Z","free_energy_Ha":-8.5,"host":"h","id":"cutoff\/a","kmesh":[2,2,2],"kshift":[0,0,0],"lattice_constant_angstrom":5.653,"ranks":1,"smearing":"none","smearing_width_Ha":0,"stage":"cutoff","status":"converged","volume_bohr3":300,"wall_time_s":1}"#
        let line = "{\"sha256\":\"\(sha256Hex(Data(body.utf8)))\",\"record\":\(body)}"
        let r = try Journal.parse(line: Substring(line)).get()
        #expect(r == record("cutoff/a", -8.5))
        #expect(r.forces_Ha_per_bohr == nil && r.stress_Ha_per_bohr3 == nil && r.pressure_GPa == nil && r.largestForce == nil)
    }
}

@Suite struct JournalMagnetizationTests {
    /// A spin-polarised record carries its magnetisation and sphere moments through the journal and
    /// summary.csv; a line written before spin-polarised scans (no such keys) loads with none.
    @Test func magnetizationRoundTripsAndOldLinesLoad() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("j-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var r = record("cutoff/fe", -16.7, atoms: 1)
        r.total_magnetization_muB = 2.2461
        r.absolute_magnetization_muB = 2.4873
        r.atomic_moments_muB = [2.0741]
        r.sphere_radii_bohr = [2.3473]
        try Journal(path: path).append(r)
        let line = try String(contentsOfFile: path, encoding: .utf8)
        #expect(line.contains("\"total_magnetization_muB\":2.2461") && line.contains("\"absolute_magnetization_muB\":2.4873"))
        let (recs, problems) = Journal.read(path: path)
        #expect(problems.isEmpty && recs == [r])
        #expect(recs[0].magnetizationPerAtom?.total == 2.2461 && recs[0].magnetizationPerAtom?.absolute == 2.4873)
        let body = #"{"atoms":2,"ecut_Ha":10,"finished_at":"2026-01-01T00:00:00Z","free_energy_Ha":-8.5,"host":"h","id":"cutoff\/a","kmesh":[2,2,2],"kshift":[0,0,0],"lattice_constant_angstrom":5.653,"ranks":1,"smearing":"none","smearing_width_Ha":0,"stage":"cutoff","status":"converged","volume_bohr3":300,"wall_time_s":1}"#
        let old = try Journal.parse(line: Substring("{\"sha256\":\"\(sha256Hex(Data(body.utf8)))\",\"record\":\(body)}")).get()
        #expect(old.total_magnetization_muB == nil && old.absolute_magnetization_muB == nil && old.magnetizationPerAtom == nil)
        #expect(old.atomic_moments_muB == nil && old.sphere_radii_bohr == nil)
        let csv = ScanSummary(name: "fe", runDirectories: [], physics: nil, choices: nil, decisions: [], warnings: [], points: [r, old]).csv
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let m = try #require(rows[0].firstIndex(of: "total_magnetization_muB")), a = try #require(rows[0].firstIndex(of: "absolute_magnetization_muB"))
        let fe = try #require(rows.first { $0[0] == "cutoff/fe" }), plain = try #require(rows.first { $0[0] == "cutoff/a" })
        #expect(fe[m] == "2.2461" && fe[a] == "2.4873" && plain[m] == "" && plain[a] == "")
        let s = try #require(rows[0].firstIndex(of: "atomic_moments_muB")), radii = try #require(rows[0].firstIndex(of: "sphere_radii_bohr"))
        #expect(fe[s] == "2.0741" && fe[radii] == "2.3473" && plain[s] == "" && plain[radii] == "")
    }
}
