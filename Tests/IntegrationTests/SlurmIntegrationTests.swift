import Foundation
import Testing

// The rendered job scripts on a real Slurm: `make test-slurm` starts a single-node cluster
// (scripts/local-slurm/start.sh), sets PRECONV_SLURM_TESTS=1 and SLURM_CONF, runs these tests and stops
// the cluster. Without PRECONV_SLURM_TESTS=1 every test here is skipped with that message.

let slurmTestsEnabled = ProcessInfo.processInfo.environment["PRECONV_SLURM_TESTS"] == "1"
let slurmSkipReason: Comment = "needs a running local Slurm: run `make test-slurm` (sets PRECONV_SLURM_TESTS=1 and SLURM_CONF)"

/// Small scans: a staged one (cutoff 8/10/12 Ha, meshes 2³/3³, 3 lattice constants; a few seconds on
/// 2 ranks) and a 4-point grid (8/10 Ha × 2 lattice constants at 2³).
let slurmStaged = ["--set", "stages.cutoff.values=[8 Ha, 10 Ha, 12 Ha]", "--set", "stages.kmesh.values=[2, 3]",
                   "--set", "stages.lattice.points=3"]
let slurmGrid = ["--set", "stages.mode=grid", "--set", "stages.cutoff.values=[8 Ha, 10 Ha]", "--set", "stages.kmesh.values=[2]",
                 "--set", "stages.lattice={values: [5.65 Å, 5.75 Å]}"]

/// A child process without a shell, its environment free of the variables MPI_Init sets.
enum Command {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ argv: [String], cwd: String? = nil, env extra: [String: String] = [:], timeout: TimeInterval = 120) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment.filter { k, _ in !["OMPI_", "PMIX_", "OPAL_"].contains { k.hasPrefix($0) } }
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["OMP_NUM_THREADS"] = "1"
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            p.terminate()
            Issue.record("\(argv) timed out after \(timeout) s")
        }
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// `preconv-mpi ARGS` (one process, no mpirun).
    static func preconv(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> Outcome {
        let bin = try #require(Preconv.binary, "preconv-mpi not built")
        return try run([bin] + args, cwd: cwd, env: env)
    }
}

/// The local cluster, through its client commands.
enum LocalSlurm {
    struct Job: CustomStringConvertible {
        let id: String
        let state: String
        let reason: String
        let exitCode: String
        let restarts: Int
        var description: String { "job \(id) \(state) (reason \(reason), exit \(exitCode), restarts \(restarts))" }
    }

    static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
                                           "PREEMPTED", "BOOT_FAIL", "DEADLINE"]

    static func field(_ name: String, in line: Substring) -> String {
        guard let r = line.range(of: " \(name)=") ?? (line.hasPrefix("\(name)=") ? line.range(of: "\(name)=") : nil) else { return "" }
        let start = line[r.lowerBound...].firstIndex(of: "=")!
        return String(line[line.index(after: start)...].prefix { $0 != " " })
    }

    /// Every job of `id` (the tasks of an array job).
    static func jobs(_ id: String) throws -> [Job] {
        let out = try Command.run(["scontrol", "-o", "show", "job", id], timeout: 30)
        guard out.status == 0 else { throw SlurmTestError("scontrol show job \(id): \(out.stderr)") }
        return out.stdout.split(separator: "\n").map { line in
            Job(id: field("JobId", in: line), state: field("JobState", in: line), reason: field("Reason", in: line),
                exitCode: field("ExitCode", in: line), restarts: Int(field("Restarts", in: line)) ?? 0)
        }
    }

    /// Waits until every job of `id` has ended. A job that requeued itself is held by Slurm for about
    /// two minutes before it may start again; the wait releases it after 3 s (`StartTime=now`) to keep the
    /// test short — the only liberty taken with the cluster's behaviour. (Not at once: slurmd refuses a
    /// job restarted within the second its previous run's credential was revoked.) `restartTime`: the
    /// time limit given to a released job (so that one restart finishes the run).
    static func wait(_ id: String, timeout: TimeInterval = 300, restartTime: String? = nil) throws -> [Job] {
        let deadline = Date().addingTimeInterval(timeout)
        var held: [String: Date] = [:]   // "job/restarts" → first seen held
        while Date() < deadline {
            let js = try jobs(id)
            if !js.isEmpty && js.allSatisfy({ finalStates.contains($0.state) }) { return js }
            for j in js where j.state == "PENDING" && j.restarts > 0 && j.reason == "BeginTime" {
                let key = "\(j.id)/\(j.restarts)"
                if let since = held[key] {
                    if Date().timeIntervalSince(since) >= 3 {
                        _ = try? Command.run(["scontrol", "update", "JobId=\(j.id)", "StartTime=now"]
                                             + (restartTime.map { ["TimeLimit=\($0)"] } ?? []), timeout: 30)
                    }
                } else {
                    held[key] = Date()
                }
            }
            usleep(500_000)
        }
        throw SlurmTestError("job \(id) still running after \(Int(timeout)) s: \(try jobs(id))")
    }

    /// `sbatch --parsable ARGS` in `cwd`; the job id.
    static func sbatch(_ args: [String], cwd: String, env: [String: String] = [:]) throws -> String {
        let out = try Command.run(["sbatch", "--parsable"] + args, cwd: cwd, env: env, timeout: 30)
        let id = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard out.status == 0, !id.isEmpty else { throw SlurmTestError("sbatch \(args): \(out.stderr)") }
        return id
    }
}

struct SlurmTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// `submitted job-single.sbatch: job 12` → "12".
func submittedJobs(_ stdout: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in stdout.split(separator: "\n") where line.hasPrefix("submitted ") {
        let parts = line.split(separator: " ")
        if parts.count >= 4 { out[String(parts[1].dropLast())] = String(parts[3]) }
    }
    return out
}

/// A direct `mpirun -n 2` run of `gaas-fast` with `extra` overrides into `dir` (the reference).
func directRun(_ extra: [String], into dir: String) throws -> ScanSummaryJSON {
    let out = try Preconv.run(ranks: 2, ["run", gaasFast] + extra + ["--set", "output.directory=\(dir)"], timeout: 300)
    #expect(out.status == 0, "direct run: exit \(out.status): \(out.stderr)")
    return try ScanSummaryJSON.read(dir)
}

/// The Slurm logs of a run directory (slurm-*.out) without the converged points' progress lines, the
/// last `limit` characters, for failure messages.
func jobLogs(_ dir: String, limit: Int = 6000) -> String {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("slurm-") && $0.hasSuffix(".out") }.sorted()
    let text = names.map { n in
        let lines = ((try? String(contentsOfFile: dir + "/" + n, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        return "== \(n)\n" + lines.filter { !($0.hasPrefix("[") && $0.contains(" ecut ") && !$0.contains("INTERRUPTED")) }.joined(separator: "\n")
    }.joined(separator: "\n")
    return String(text.suffix(limit))
}

/// The converged records' ids of a journal never repeat: no finished point was computed twice.
func expectNoPointRecomputed(_ dir: String) throws {
    let converged = try journalIDs(dir, status: "converged")
    let repeated = Dictionary(grouping: converged, by: { $0 }).filter { $0.value.count > 1 }.keys
    #expect(repeated.isEmpty, "finished points computed again: \(repeated.sorted())")
}

/// The point counts of a job log's verdict lines ("stopped: 9 point(s) computed, …"), one per start.
func pointsComputed(_ log: String, verdict: String) -> [Int] {
    log.split(separator: "\n").compactMap { line in
        line.hasPrefix("\(verdict): ") ? Int(line.dropFirst(verdict.count + 2).prefix { $0.isNumber }) : nil
    }
}

@Suite(.serialized, .enabled(if: slurmTestsEnabled, slurmSkipReason))
struct SlurmJobsIntegration {
    /// The single-allocation job (srun --mpi=pmix) ends COMPLETED and its summary equals a direct mpirun run's.
    @Test func singleJobMatchesDirectRun() throws {
        let root = scratchDirectory("slurm-single")
        let reference = try directRun(slurmStaged, into: root + "/direct")
        let dir = root + "/job"
        let out = try Command.preconv(["slurm", gaasFast] + slurmStaged + ["--set", "output.directory=\(dir)", "--ntasks-per-node", "2", "--submit"])
        #expect(out.status == 0, "slurm --submit: \(out.stderr)")
        #expect(out.stdout.contains("--time=") && out.stdout.contains("--mem="), "\(out.stdout)")
        let id = try #require(submittedJobs(out.stdout)["job-single.sbatch"], "no job id in: \(out.stdout)")
        let jobs = try LocalSlurm.wait(id)
        #expect(jobs.map(\.state) == ["COMPLETED"], "\(jobs)\n\(jobLogs(dir))")
        let log = (try? String(contentsOfFile: "\(dir)/slurm-gaas-fast-\(id).out", encoding: .utf8)) ?? ""
        #expect(log.contains("done: "), "job log: \(log)")
        let s = try ScanSummaryJSON.read(dir)
        #expect(s.points.allSatisfy { $0.status == "converged" })
        #expect(s.choices != nil && s.choices == reference.choices, "\(String(describing: s.choices)) vs \(String(describing: reference.choices))")
        expectSameSummaries(s, reference, "Slurm job vs direct mpirun")
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The job array (2 shards, mpirun launcher) and the afterany collect job, submitted with the printed
    /// commands: all COMPLETED, the collected summary equals a direct mpirun run's.
    @Test func arrayAndCollectMatchDirectRun() throws {
        let root = scratchDirectory("slurm-array")
        let reference = try directRun(slurmGrid, into: root + "/direct")
        let dir = root + "/job"
        let out = try Command.preconv(["slurm", gaasFast] + slurmGrid + ["--set", "output.directory=\(dir)", "--array", "--shards", "2",
                                                                        "--ntasks-per-node", "1", "--launcher", "mpirun"])
        #expect(out.status == 0, "slurm --array: \(out.stderr)")
        // the printed submission line, as a user would paste it (array job, then collect after it)
        let line = try #require(out.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("cd ") && $0.contains("sbatch") }, "\(out.stdout)")
        // as root, Open MPI's mpirun needs these (the templates stay free of --allow-run-as-root)
        let rootEnv = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]
        let submit = try Command.run(["bash", "-c", line + " && echo \"ids $array\""], env: rootEnv, timeout: 60)
        #expect(submit.status == 0, "\(line): \(submit.stderr)")
        let lines = submit.stdout.split(separator: "\n").map(String.init)
        let arrayID = try #require(lines.first { $0.hasPrefix("ids ") }.map { String($0.dropFirst(4)) }, "\(submit.stdout)")
        let collectID = try #require(lines.first { $0.hasPrefix("Submitted batch job ") }.map { String($0.dropFirst(20)) }, "\(submit.stdout)")
        let tasks = try LocalSlurm.wait(arrayID)
        #expect(tasks.count == 2 && tasks.allSatisfy { $0.state == "COMPLETED" }, "\(tasks)\n\(jobLogs(dir))")
        let collect = try LocalSlurm.wait(collectID)
        #expect(collect.map(\.state) == ["COMPLETED"], "\(collect)\n\(jobLogs(dir))")
        for i in 1...2 { #expect(FileManager.default.fileExists(atPath: "\(dir)/shard-\(i)-of-2/journal.jsonl"), "shard \(i)") }
        let s = try ScanSummaryJSON.read(dir)
        #expect(s.points.count == 4 && s.points.allSatisfy { $0.status == "converged" }, "\(s.points.map(\.status))")
        expectSameSummaries(s, reference, "array + collect vs direct mpirun")
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A forced failure (one lattice point limited to 1 SCF iteration) ends the job FAILED and shows as
    /// FAILED/partial in `status`; after the config is fixed, the rerun-failed job recomputes that point only.
    @Test func forcedFailureThenRerunFailedJob() throws {
        let root = scratchDirectory("slurm-fail")
        let dir = root + "/job"
        let original = try String(contentsOfFile: gaasFast, encoding: .utf8)
        let config = root + "/scan.yaml"
        let fault = "\npoint_overrides:\n  - {stage: lattice, index: 0, max_iterations: 1}\n"
        try (original + fault).write(toFile: config, atomically: true, encoding: .utf8)
        let out = try Command.preconv(["slurm", config] + slurmStaged + ["--set", "output.directory=\(dir)", "--ntasks-per-node", "2", "--submit"])
        #expect(out.status == 0, "\(out.stderr)")
        let id = try #require(submittedJobs(out.stdout)["job-single.sbatch"], "\(out.stdout)")
        let jobs = try LocalSlurm.wait(id)
        #expect(jobs.map(\.state) == ["FAILED"] && jobs.first?.exitCode == "1:0", "\(jobs)\n\(jobLogs(dir))")
        let status = try Command.preconv(["status", dir])
        #expect(status.stdout.contains("FAILED (partial: 1 of"), "\(status.stdout)")
        #expect(status.stdout.contains("unconverged: lattice/"), "\(status.stdout)")
        let before = try journalIDs(dir)

        // the user fixes the config and submits the rerun job
        try original.write(toFile: config, atomically: true, encoding: .utf8)
        let rerun = try LocalSlurm.sbatch(["job-rerun-failed.sbatch"], cwd: dir)
        let rerunJobs = try LocalSlurm.wait(rerun)
        #expect(rerunJobs.map(\.state) == ["COMPLETED"], "\(rerunJobs)\n\(jobLogs(dir))")
        let failedID = try #require(failedIDFrom(status.stdout), "\(status.stdout)")
        let after = try journalIDs(dir)
        // the failed point, then (the scan now complete) the final point at a0
        let added = Array(after.dropFirst(before.count))
        #expect(added.first == failedID && added.count == 2 && added.last?.hasPrefix("final/") == true,
                "recomputed: \(added), failed: \(failedID)")
        let fixed = try Command.preconv(["status", dir])
        #expect(fixed.stdout.contains("finished —") && !fixed.stdout.contains("FAILED"), "\(fixed.stdout)")
        #expect(try ScanSummaryJSON.read(dir).points.allSatisfy { $0.status == "converged" })
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Hostile but harmless names: the options and the config name are refused with an error naming the
    /// field; a run directory and a config path full of shell syntax are quoted, the job runs, nothing executes.
    @Test func hostileNamesNeverExecute() throws {
        let root = scratchDirectory("slurm-hostile")
        let tiny = ["--set", "stages.mode=grid", "--set", "stages.cutoff.values=[8 Ha]", "--set", "stages.kmesh.values=[2]",
                    "--set", "stages.lattice={values: [5.65 Å, 5.75 Å]}"]
        let plainDir = root + "/plain"
        let refused: [([String], String)] = [
            (["--job-name", "a;touch INJECTED"], "--job-name 'a;touch INJECTED' is not usable in a Slurm job"),
            (["--job-name", "$(touch INJECTED2)"], "--job-name '$(touch INJECTED2)' is not usable in a Slurm job"),
            (["--partition", "debug;touch INJECTED"], "--partition 'debug;touch INJECTED' is not usable in a Slurm job"),
            (["--account", "$(touch INJECTED2)"], "--account '$(touch INJECTED2)' is not usable in a Slurm job"),
            (["--time", "10;touch INJECTED"], "--time '10;touch INJECTED' is not a Slurm time limit"),
            (["--set", "name=a;touch INJECTED"], "name"),
            (["--set", "name=$(touch INJECTED2)"], "name"),
            // Slurm itself reads '\\' and '%' in the log file's path
            (["--set", "output.directory=\(root)/run\\x"], "output.directory"),
            (["--set", "output.directory=\(root)/run%x"], "output.directory"),
        ]
        for (args, message) in refused {
            let out = try Command.preconv(["slurm", gaasFast] + tiny + ["--set", "output.directory=\(plainDir)"] + args + ["--submit"], cwd: root)
            #expect(out.status == 2, "\(args): exit \(out.status)")
            let lines = out.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains(message), "\(args): \(out.stderr)")
            #expect(!FileManager.default.fileExists(atPath: plainDir + "/job-single.sbatch"), "\(args): a script was written")
        }

        // shell syntax in the run directory and in the config's path: quoted, so the job just runs
        let weird = root + "/run a;touch INJECTED $(touch INJECTED2) `touch INJECTED3` 'q\" *&|<>"
        let configDir = root + "/cfg $(touch INJECTED4);'"
        try FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
        let config = configDir + "/gaas $(touch INJECTED5).yaml"
        try FileManager.default.copyItem(atPath: gaasFast, toPath: config)
        let out = try Command.preconv(["slurm", config] + tiny + ["--set", "output.directory=\(weird)", "--ntasks-per-node", "2",
                                                                 "--job-name", "hostile.test_1", "--submit"], cwd: root)
        #expect(out.status == 0, "\(out.stderr)")
        let script = try String(contentsOfFile: weird + "/job-single.sbatch", encoding: .utf8)
        let syntax = try Command.run(["bash", "-n", weird + "/job-single.sbatch"])
        #expect(syntax.status == 0, "bash -n: \(syntax.stderr)")
        #expect(script.contains("#SBATCH --job-name=hostile.test_1"))
        let id = try #require(submittedJobs(out.stdout)["job-single.sbatch"], "\(out.stdout)")
        let jobs = try LocalSlurm.wait(id)
        #expect(jobs.map(\.state) == ["COMPLETED"], "\(jobs)\n\(jobLogs(weird))")
        #expect(try ScanSummaryJSON.read(weird).points.count == 2)
        // nothing was executed: no INJECTED* file anywhere below the scratch root, in the cwd or /tmp
        let found = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { ($0 as NSString).lastPathComponent.hasPrefix("INJECTED") }
        #expect(found.isEmpty, "files created by injected commands: \(found)")
        for d in [FileManager.default.currentDirectoryPath, "/tmp", NSHomeDirectory()] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []
            #expect(!names.contains { $0.hasPrefix("INJECTED") }, "INJECTED file in \(d)")
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A job whose time limit comes mid-run: Slurm's SIGUSR1 (`--signal=B:USR1@10`, 10 s before the
    /// 1-minute limit) stops the run with a checkpoint (its running points recorded as interrupted), the
    /// job requeues itself and its next start finishes the scan (the test gives that start 10 minutes);
    /// every point converged, none computed twice.
    @Test func timeLimitStopsRequeuesAndCompletes() throws {
        let root = scratchDirectory("slurm-requeue")
        let dir = root + "/job"
        let scan = try TimeLimitScan(outlasting: TimeLimitScan.latestWarning)
        let out = try Command.preconv(["slurm", gaasFast] + scan.settings + [
            "--set", "output.directory=\(dir)", "--ntasks-per-node", "2", "--time", "1", "--signal-margin", "10", "--max-requeues", "3", "--submit"])
        #expect(out.status == 0, "\(out.stderr)")
        let script = try String(contentsOfFile: dir + "/job-single.sbatch", encoding: .utf8)
        #expect(script.contains("#SBATCH --signal=B:USR1@10") && script.contains("#SBATCH --requeue") && script.contains("#SBATCH --time=00:01:00"))
        let id = try #require(submittedJobs(out.stdout)["job-single.sbatch"], "\(out.stdout)")
        let jobs = try LocalSlurm.wait(id, timeout: scan.waitSeconds, restartTime: "10")
        #expect(jobs.map(\.state) == ["COMPLETED"], "\(scan)\n\(jobs)\n\(jobLogs(dir))")
        #expect((jobs.first?.restarts ?? 0) >= 1, "the job never requeued (\(scan)): \(jobs)\n\(jobLogs(dir))")
        let log = (try? String(contentsOfFile: "\(dir)/slurm-gaas-fast-\(id).out", encoding: .utf8)) ?? ""
        #expect(log.contains("SIGUSR1") && log.contains("requeueing"), "job log: \(log)")
        #expect(log.contains("run the same command again to resume"), "job log: \(log)")
        // the signal came mid-run: the first start had finished points and stopped (its running points
        // recorded as interrupted, unless they converged in their last iteration), the restart finished the rest
        let first = pointsComputed(log, verdict: "stopped"), second = pointsComputed(log, verdict: "done")
        let finishedBeforeStop = first.reduce(0, +) - (try journalIDs(dir, status: "interrupted").count)
        #expect(!first.isEmpty && finishedBeforeStop > 0 && second.count == 1 && second.allSatisfy { $0 > 0 },
                "points computed per start: stopped \(first), done \(second) (\(scan))\n\(jobLogs(dir))")
        try expectNoPointRecomputed(dir)
        let s = try ScanSummaryJSON.read(dir)
        #expect(s.points.count == scan.points && s.points.allSatisfy { $0.status == "converged" }, "\(s.points.map(\.status))")
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The hard limit: without the SIGUSR1 warning the job is killed at its time limit (TIMEOUT); what it
    /// finished is kept, and submitting the same script again (with a longer limit) completes the scan
    /// without computing a finished point twice.
    @Test func timeoutThenResubmitCompletes() throws {
        let root = scratchDirectory("slurm-timeout")
        let dir = root + "/job"
        let scan = try TimeLimitScan(outlasting: TimeLimitScan.latestLimit)
        let out = try Command.preconv(["slurm", gaasFast] + scan.settings + [
            "--set", "output.directory=\(dir)", "--ntasks-per-node", "2", "--time", "1", "--signal-margin", "0", "--max-requeues", "0", "--submit"])
        #expect(out.status == 0, "\(out.stderr)")
        let script = try String(contentsOfFile: dir + "/job-single.sbatch", encoding: .utf8)
        #expect(!script.contains("\n#SBATCH --signal"), "no warning signal with --signal-margin 0")
        let id = try #require(submittedJobs(out.stdout)["job-single.sbatch"], "\(out.stdout)")
        // ended at 60-90 s, killed at most KillWait (30 s) later
        let jobs = try LocalSlurm.wait(id, timeout: 300)
        #expect(jobs.map(\.state) == ["TIMEOUT"], "\(scan)\n\(jobs)\n\(jobLogs(dir))")
        let finished = try journalIDs(dir).count
        #expect(finished > 0 && finished < scan.points, "\(finished) of \(scan.points) points recorded before the limit")
        let status = try Command.preconv(["status", dir])
        #expect(status.stdout.contains("stopped (resumable)"), "\(status.stdout)")

        // the same script again, with a longer limit
        let again = try LocalSlurm.sbatch(["--time=10", "job-single.sbatch"], cwd: dir)
        let second = try LocalSlurm.wait(again, timeout: scan.waitSeconds)
        #expect(second.map(\.state) == ["COMPLETED"], "\(second)\n\(jobLogs(dir))")
        try expectNoPointRecomputed(dir)
        let s = try ScanSummaryJSON.read(dir)
        #expect(s.points.count == scan.points && s.points.allSatisfy { $0.status == "converged" }, "\(s.points.map(\.status))")
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The grid of a time-limit test: GaAs at 14 Ha on a 6×6×6 mesh over `points` lattice constants 0.001 Å
/// apart (each point warm-started from a close neighbour), one rank per point, two at a time on 2 ranks.
///
/// Its size comes from the CPU seconds a warm-started point takes (measured once per test process): the
/// scan holds `margin` × `seconds` of work for each of the 2 ranks even at full speed, so it cannot end
/// before Slurm's signal or limit however much faster the machine gets (other jobs on a shared box end);
/// a loaded machine only makes the test take longer. Wall-clock point times would not do: on a shared
/// 2-core box they change 4-fold with the load of other processes.
struct TimeLimitScan: CustomStringConvertible {
    /// Slurm checks time limits every 30 s: with a 1-minute limit the warning signal due 10 s before it
    /// comes 20 to 50 s into the job, the limit itself is enforced 60 to 90 s into it.
    static let latestWarning = 50.0
    static let latestLimit = 90.0
    /// against the measurement's errors
    static let margin = 1.5

    let points: Int
    let cpuPerPoint: Double

    init(outlasting seconds: Double) throws {
        cpuPerPoint = try Self.cpuPerPoint.get()
        // (the cap only bounds a broken measurement: 0.55 CPU s per point asks for 491 points)
        points = min(1000, max(8, Int((2 * Self.margin * seconds / cpuPerPoint).rounded(.up))))
    }

    var settings: [String] { Self.settings(points: points) }

    /// a wait for the whole scan that allows for a machine 5 times slower than full speed
    var waitSeconds: Double { 300 + 5 * Double(points) / 2 * cpuPerPoint }

    var description: String {
        String(format: "%d points sized from %.2f CPU s per point, load average %@", points, cpuPerPoint,
               (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")
    }

    static func settings(points n: Int) -> [String] {
        let values = (0..<n).map { String(format: "%.3f Å", 5.50 + 0.001 * Double($0)) }
        return ["--set", "stages.mode=grid", "--set", "stages.cutoff.values=[14 Ha]", "--set", "stages.kmesh.values=[6]",
                "--set", "stages.lattice={values: [\(values.joined(separator: ", "))]}"]
    }

    /// CPU seconds of a warm-started point: the difference of direct `mpirun -n 2` runs of 8 and of 2
    /// points (start-up and the two cold points cancel) over 6. CPU time does not depend on the load.
    static let cpuPerPoint = Result<Double, any Error> {
        let cpu = try cpuSeconds(points: 8) - cpuSeconds(points: 2)
        guard cpu > 0.3 else { throw SlurmTestError("timing runs: 6 more points took \(cpu) CPU s") }
        return cpu / 6
    }

    /// The CPU seconds of a direct `mpirun -n 2` run of `n` points (bash's `times`: those of mpirun and
    /// of the ranks it reaped).
    static func cpuSeconds(points n: Int) throws -> Double {
        let dir = scratchDirectory("slurm-pointtime")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let bin = Preconv.binary else { throw SlurmTestError("preconv-mpi not built") }
        let argv = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2", bin, "run", gaasFast]
            + settings(points: n) + ["--set", "output.directory=\(dir)"]
        let out = try Command.run(["bash", "-c", "\"$@\" >/dev/null; s=$?; times; exit $s", "bash"] + argv, timeout: 600)
        guard out.status == 0 else { throw SlurmTestError("timing run of \(n) points: exit \(out.status): \(out.stderr)") }
        // `times`: the shell's user and system time, then its children's: "0m11.045s 0m0.646s"
        let children = out.stdout.split(separator: "\n").last ?? ""
        let fields = children.split(separator: " ").map { field -> Double? in
            let parts = field.dropLast().split(separator: "m")
            guard field.hasSuffix("s"), parts.count == 2, let m = Double(parts[0]), let s = Double(parts[1]) else { return nil }
            return m * 60 + s
        }
        guard fields.count == 2, let user = fields[0], let system = fields[1] else { throw SlurmTestError("no CPU times in: \(out.stdout)") }
        return user + system
    }
}

/// The id of the single failed point in `status` output ("  unconverged: <id> — …").
func failedIDFrom(_ status: String) -> String? {
    for line in status.split(separator: "\n") {
        let t = line.trimmingCharacters(in: .whitespaces)
        for s in ["unconverged: ", "failed: ", "timeout: "] where t.hasPrefix(s) {
            return String(t.dropFirst(s.count).prefix { $0 != " " })
        }
    }
    return nil
}
