import Foundation
import Testing

/// One journal record as these tests read it.
struct JournalRecordJSON: Decodable {
    let id: String
    let stage: String
    let status: String
    let wall_time_s: Double
    let error: String?
    let free_energy_Ha: Double?
}

/// The records of a run directory's journal, in order; every line must be whole (`{"sha256":…,"record":{…}}`).
func journalRecords(_ dir: String) throws -> [JournalRecordJSON] {
    struct Line: Decodable { let record: JournalRecordJSON }
    let text = try String(contentsOfFile: dir + "/journal.jsonl", encoding: .utf8)
    return try text.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)).record }
}

/// The hard limits of a run under mpirun (issue 21): a deadline inside an SCF iteration, the final
/// point under the same limits as the scan's points, a journal that cannot be written, the watchdog.
/// A small gaas-fast scan: cutoffs 10 and 12 Ha at 2×2×2, k-mesh 2, three lattice constants.
extension ScanIntegration {
    static let smallScan = ["--set", "stages.cutoff.values=[10 Ha, 12 Ha]", "--set", "stages.kmesh.values=[2]",
                            "--set", "stages.lattice.points=3"]

    /// A point made to hang inside its second SCF iteration (on the last rank of its two-rank group, the
    /// other waiting in a collective) is recorded `timeout` within its 4 s limit plus 10 %, and the run goes on.
    @Test func hangInsideAnIterationTimesOut() throws {
        let d = scratchDirectory("hang")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let out = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)", "--set", "resources.ranks_per_point=2",
                                             "--set", "point_overrides=[{stage: cutoff, index: 0, timeout: 4 s}]"] + Self.smallScan,
                                  timeout: 300, environment: ["PRECONV_TEST_HANG_POINT": "cutoff/ecut=10Ha"])
        #expect(out.status == 1, "exit \(out.status): \(out.stderr)")   // a point failed: no final point
        let records = try journalRecords(d)
        let hung = try #require(records.first { $0.id.hasPrefix("cutoff/ecut=10Ha") }, "\(records.map(\.id))")
        #expect(hung.status == "timeout", "\(hung)")
        #expect(hung.wall_time_s >= 4 && hung.wall_time_s <= 4.4, "recorded after \(hung.wall_time_s) s")
        #expect(hung.error?.contains("exceeded the 4 s time limit") == true, "\(hung.error ?? "")")
        // the run went on: the other cutoff, the k-mesh and lattice stages converged
        let others = records.filter { $0.id != hung.id }
        #expect(others.count >= 4 && others.allSatisfy { $0.status == "converged" }, "\(others.map { "\($0.id) \($0.status)" })")
        #expect(Set(others.map(\.stage)) == ["cutoff", "lattice"] || Set(others.map(\.stage)) == ["cutoff", "kmesh", "lattice"],
                "\(others.map(\.id))")
    }

    /// The final point under the scan's limits: made to hang, it is recorded `timeout` after its limit
    /// (point_overrides stage final) and the analysis is written without bands; a stop signal while it
    /// runs ends the run with exit 3 and no analysis, and the resumed run computes it with its bands and DOS.
    @Test func finalPointTimeoutAndStop() throws {
        let d = scratchDirectory("final")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let timedOut = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)/timeout",
                                                  "--set", "point_overrides=[{stage: final, timeout: 3 s}]"] + Self.smallScan,
                                       timeout: 300, environment: ["PRECONV_TEST_HANG_POINT": "final/"])
        #expect(timedOut.status == 1, "exit \(timedOut.status): \(timedOut.stderr)")
        let final = try #require(try journalRecords(d + "/timeout").last)
        #expect(final.stage == "final" && final.status == "timeout", "\(final)")
        #expect(final.wall_time_s >= 3 && final.wall_time_s <= 3.3, "recorded after \(final.wall_time_s) s")
        let analysis = try String(contentsOfFile: d + "/timeout/analysis.json", encoding: .utf8)
        #expect(analysis.contains("\"status\" : \"timeout\"") || analysis.contains("\"status\":\"timeout\""), "final point in analysis.json")

        // a stop signal while the final point hangs
        let dir = d + "/stop"
        let bin = try #require(Preconv.binary)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2", bin, "run", gaasFast,
                       "--set", "output.directory=\(dir)", "--set", "point_overrides=[{stage: final, timeout: 60 s}]"] + Self.smallScan
        var env = Preconv.childEnvironment()
        env["PRECONV_TEST_HANG_POINT"] = "final/"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline, p.isRunning {
            let events = (try? String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8)) ?? ""
            if events.contains("\"kind\":\"point_started\",\"stage\":\"final\"") || events.contains("\"stage\":\"final\"") { break }
            usleep(50_000)
        }
        usleep(1_500_000)   // inside the hang (the second SCF iteration)
        #expect(p.isRunning, "the run ended before the final point")
        let stopped = Date()
        // SIGUSR1 to the ranks (what the Slurm job script forwards; mpirun answers SIGTERM with its own exit status)
        for rank in childProcesses(of: p.processIdentifier) { kill(rank, SIGUSR1) }
        p.waitUntilExit()
        #expect(p.terminationStatus == 3, "exit \(p.terminationStatus)")
        #expect(Date().timeIntervalSince(stopped) < 20, "stopping took \(Date().timeIntervalSince(stopped)) s")
        let interrupted = try #require(try journalRecords(dir).last)
        #expect(interrupted.stage == "final" && interrupted.status == "interrupted", "\(interrupted)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/analysis.json"), "analysis written by a stopped run")
        let resumed = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(dir)"] + Self.smallScan, timeout: 300)
        #expect(resumed.status == 0, "exit \(resumed.status): \(resumed.stderr)")
        let records = try journalRecords(dir)
        #expect(records.filter { $0.stage != "final" }.count == Set(records.filter { $0.stage != "final" }.map(\.id)).count,
                "a scan point was recomputed")
        #expect(records.last?.stage == "final" && records.last?.status == "converged")
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/analysis.json"))) as? [String: Any]
        let bands = doc?["bands"] as? [String: Any]
        #expect(bands != nil && (bands?["dos"] != nil || FileManager.default.fileExists(atPath: dir + "/dos.csv")), "bands and DOS")
        #expect(FileManager.default.fileExists(atPath: dir + "/bands.csv") && FileManager.default.fileExists(atPath: dir + "/dos.csv"))
    }

    /// The journal cannot be written (an injected ENOSPC in the middle of the third record's line): the
    /// run stops with exit 3, the journal holds its two whole records, and the resumed run completes the
    /// scan and its bands and DOS without recomputing them.
    @Test func fullDiskStopsResumably() throws {
        let d = scratchDirectory("enospc")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let first = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)"] + Self.smallScan,
                                    timeout: 300, environment: ["PRECONV_TEST_ENOSPC_AFTER": "2"])
        #expect(first.status == 3, "exit \(first.status): \(first.stderr)")
        #expect(first.stderr.contains("the journal could not be written") && first.stderr.contains("No space left on device"),
                "\(first.stderr)")
        let text = try String(contentsOfFile: d + "/journal.jsonl", encoding: .utf8)
        #expect(text.hasSuffix("}\n"), "the journal ends with a whole line")
        let before = try journalRecords(d)   // throws on a torn line
        #expect(before.count == 2, "\(before.map(\.id))")
        #expect(!FileManager.default.fileExists(atPath: d + "/analysis.json"))
        let resumed = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)"] + Self.smallScan, timeout: 300)
        #expect(resumed.status == 0, "exit \(resumed.status): \(resumed.stderr)")
        #expect(!resumed.stderr.contains("journal line"), "a damaged journal line: \(resumed.stderr)")
        let after = try journalRecords(d)
        #expect(after.prefix(2).map(\.id) == before.map(\.id))
        #expect(Set(after.map(\.id)).count == after.count, "a point recomputed: \(after.map(\.id))")
        #expect(after.last?.stage == "final" && after.last?.status == "converged")
        #expect(FileManager.default.fileExists(atPath: d + "/bands.csv") && FileManager.default.fileExists(atPath: d + "/dos.csv"))
    }

    /// The watchdog: SIGSTOP of rank 1 mid-scan (its group waits for ever) ends the job with exit status
    /// 4 within resources.watchdog (3 s) plus a margin; the resumed run keeps every finished point
    /// and computes only the others.
    @Test func watchdogAbortsAStoppedRank() throws {
        let d = scratchDirectory("watchdog")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let bin = try #require(Preconv.binary)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2", bin, "run", gaasFast,
                       "--set", "output.directory=\(d)", "--set", "resources.watchdog=3 s", "--set", "resources.ranks_per_point=1"] + Self.smallScan
        p.environment = Preconv.childEnvironment()
        let errPath = d + "/mpirun.stderr"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline, p.isRunning {
            let events = (try? String(contentsOfFile: d + "/events.jsonl", encoding: .utf8)) ?? ""
            if events.components(separatedBy: "\"kind\":\"point_finished\"").count > 2 { break }
            usleep(50_000)
        }
        #expect(p.isRunning, "the run ended before a rank could be stopped")
        // rank 1: the child of mpirun whose environment says so
        let ranks = childProcesses(of: p.processIdentifier)
        let rank1 = try #require(ranks.first { pid in
            let env = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            return String(decoding: env, as: UTF8.self).split(separator: "\0").contains("OMPI_COMM_WORLD_RANK=1")
        }, "rank 1 among \(ranks)")
        let stoppedAt = Date()
        kill(rank1, SIGSTOP)
        while p.isRunning && Date().timeIntervalSince(stoppedAt) < 60 { usleep(50_000) }
        let took = Date().timeIntervalSince(stoppedAt)
        if p.isRunning { kill(rank1, SIGKILL); kill(-p.processIdentifier, SIGKILL); p.terminate() }
        p.waitUntilExit()
        kill(rank1, SIGKILL)
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 4, "exit \(p.terminationStatus): \(stderr)")
        #expect(took < 3 + 10, "the job ended \(took) s after the SIGSTOP")
        #expect(stderr.contains("watchdog:") && stderr.contains("made no progress"), "\(stderr)")
        let events = try String(contentsOfFile: d + "/events.jsonl", encoding: .utf8)
        #expect(events.contains("\"alert\"") && events.contains("aborted"), "the watchdog's alert and end event")
        let before = try journalRecords(d)
        let finished = before.filter { $0.status != "interrupted" }.map(\.id)
        #expect(!finished.isEmpty)

        let resumed = try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(d)"] + Self.smallScan, timeout: 300)
        #expect(resumed.status == 0, "exit \(resumed.status): \(resumed.stderr)")
        let after = try journalRecords(d)
        #expect(after.prefix(before.count).map(\.id) == before.map(\.id), "the journal is append-only")
        let recomputed = Set(after.dropFirst(before.count).map(\.id)).intersection(finished)
        #expect(recomputed.isEmpty, "finished points recomputed: \(recomputed)")
        #expect(after.last?.stage == "final" && after.last?.status == "converged")
    }
}

extension ScanIntegration {
    /// 10 kill -9's of a random non-zero rank at random times (15–35 % of an uninterrupted run's wall time
    /// after each start), each followed by a resume, end in the
    /// summary of an uninterrupted run (F to 1e-10 Ha: cold starts on one rank per point, so that every
    /// point's arithmetic is the same however often the run was killed), and no finished point is
    /// computed twice. The small scan on 3 ranks.
    @Test func tenKillsOfARankThenResume() throws {
        let d = scratchDirectory("kills")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let args = ["run", gaasFast, "--no-warm-start", "--set", "resources.ranks_per_point=1"] + Self.smallScan
        let referenceStart = Date()
        let reference = try Preconv.run(ranks: 3, args + ["--set", "output.directory=\(d)/reference"], timeout: 300)
        #expect(reference.status == 0, "reference exit \(reference.status): \(reference.stderr)")
        // the kill times follow the uninterrupted run's wall time, so that ten kills land whether the machine
        // is idle (a few seconds) or loaded (a minute): each round gets 15–35 % of it, start-up included
        let referenceWall = Date().timeIntervalSince(referenceStart)
        let bin = try #require(Preconv.binary)
        let dir = d + "/killed"
        var kills: [String] = []
        var finishedBefore: [String] = []
        for round in 0..<10 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "3", bin] + args + ["--set", "output.directory=\(dir)"]
            p.environment = Preconv.childEnvironment()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let delay = Double.random(in: (0.15 * referenceWall)...(0.35 * referenceWall))
            let start = Date()
            while p.isRunning && Date().timeIntervalSince(start) < delay { usleep(20_000) }
            guard p.isRunning else { p.waitUntilExit(); break }   // finished before its kill
            let ranks = childProcesses(of: p.processIdentifier).filter { pid in
                let env = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
                let vars = String(decoding: env, as: UTF8.self).split(separator: "\0")
                return vars.contains { $0.hasPrefix("OMPI_COMM_WORLD_RANK=") && $0 != "OMPI_COMM_WORLD_RANK=0" }
            }
            if let victim = ranks.randomElement() {
                kill(victim, SIGKILL)
                kills.append(String(format: "round %d: rank pid %d after %.2f s", round, victim, delay))
            }
            let killedAt = Date()
            while p.isRunning && Date().timeIntervalSince(killedAt) < 60 { usleep(20_000) }
            if p.isRunning { kill(-p.processIdentifier, SIGKILL); p.terminate() }
            p.waitUntilExit()
            for pid in ranks { kill(pid, SIGKILL) }
            usleep(200_000)
            // nothing finished so far was computed again
            let records = (try? journalRecords(dir)) ?? []
            let finished = records.filter { $0.status != "interrupted" }.map(\.id)
            #expect(Set(finished).count == finished.count, "round \(round): a point computed twice: \(finished)")
            #expect(Array(finished.prefix(finishedBefore.count)) == finishedBefore, "round \(round): the journal changed")
            finishedBefore = finished
        }
        #expect(kills.count >= 5, "only \(kills.count) kills before the run finished: \(kills)")
        let last = try Preconv.run(ranks: 3, args + ["--set", "output.directory=\(dir)"], timeout: 300)
        #expect(last.status == 0, "exit \(last.status): \(last.stderr)\n\(kills)")
        let records = try journalRecords(dir).filter { $0.status != "interrupted" }
        #expect(Set(records.map(\.id)).count == records.count, "a point computed twice: \(records.map(\.id))")
        let a = try ScanSummaryJSON.read(d + "/reference"), b = try ScanSummaryJSON.read(dir)
        #expect(a.choices == b.choices)
        let ea = a.energies, eb = b.energies
        #expect(Set(ea.keys) == Set(eb.keys), "points differ: \(Set(ea.keys).symmetricDifference(Set(eb.keys)))")
        for (id, f) in ea { if let g = eb[id] { #expect(abs(f - g) <= 1e-10, "\(id): F \(f) vs \(g) (\(kills))") } }
    }
}
