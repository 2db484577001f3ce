import Bindings
import Foundation
import Doctor
import Reporting
import ParallelSCF
import RunStore
import Convergence
import Input
import Logging
import Parallel
import PlaneWave
#if canImport(Glibc)
import Glibc
#endif

/// Runs a scan on every rank of `world`: world rank 0 keeps the run directory (journal,
/// checkpoints, metadata, log, summary), plans each stage and hands its points out to groups of
/// ranks; every other rank follows its broadcasts. Returns the exit status on every rank:
/// 0 every point converged, 1 some point failed (or a stage could not decide), 2 bad input,
/// 3 stopped by `stop` (a signal, or a journal/checkpoint that could not be written) with its
/// checkpoint written: running it again resumes. The watchdog aborts the job with 4 instead
/// (`watchdogExitCode`, every rank killed by MPI_Abort; also resumable).
public final class ScanRunner {
    public struct Options: Sendable {
        /// Start over in an existing run directory.
        public var fresh = false
        /// Recompute the points whose latest record has one of these statuses (`rerun`).
        public var rerunStatuses: Set<PointRecord.Status>? = nil
        /// Shard `index` (1-based) of `count`: this run computes every count-th point (grid mode).
        public var shard: [Int]? = nil
        public var warmStart = true
        public var commandLine: [String] = CommandLine.arguments
        public var stderrLevel: Logger.Level = .notice
        /// Run the doctor's quick checks first.
        public var doctor = true
        public var scalapackThreshold = 64
        public init() {}
    }

    public let config: ScanConfig
    public let world: Communicator
    public let options: Options
    public let stop: StopFlag
    let planner: ScanPlanner
    let log: ScanLog
    var logger: Logger { log.logger }
    /// stdout on rank 0.
    let out: (String) -> Void

    /// The run directory (with the shard suffix).
    public var directory: String {
        guard let s = options.shard else { return config.outputDirectory }
        return (config.outputDirectory as NSString).appendingPathComponent("shard-\(s[0])-of-\(s[1])")
    }

    public init(config: ScanConfig, world: Communicator, options: Options = Options(), stop: StopFlag = StopFlag(),
                output: ((String) -> Void)? = nil) {
        self.config = config
        self.world = world
        self.options = options
        self.stop = stop
        planner = ScanPlanner(config: config)
        log = ScanLog(enabled: world.rank == 0, stderrLevel: options.stderrLevel)
        out = output ?? { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    }

    // MARK: rank 0 state

    var dir: RunDirectory!
    var lock: RunLock?
    var journal: Journal!
    /// Latest finished record of every point key (what stages reuse).
    var done: [String: PointRecord] = [:]
    /// Every record of the run directory, in order (for the summary).
    var records: [PointRecord] = []
    /// Final points (stage "final") by id, latest record, as `done` (what the end-of-run analysis reuses).
    var finalRecords: [String: PointRecord] = [:]
    var stageStates: [RunState.StageState] = []
    var decisions: [StageDecision] = []
    var warnings: [String] = []
    var choices: StageChoices!
    var lastCheckpoint = Date.distantPast
    var ranksPerNode = 1
    /// Converged densities kept for warm starts across the stages.
    let warmStore = WarmStartStore()
    // progress
    var runStart = Date()
    var costDone = 0.0
    var rankSecondsDone = 0.0
    var totalIterations = 0
    var computedPoints = 0
    var bar = false
    var barText = ""
    /// `events.jsonl` (rank 0, opened by `prepare`).
    var events: EventLog?
    /// The `alerts:` thresholds' actions (rank 0, from `prepare`).
    var alerts: Alerts?
    /// Alerts raised and not to repeat: the disk alert until use falls below its threshold, the
    /// stage-time alert once per stage.
    var diskAlerted = false
    var stageTimeAlerted = false
    /// Why the run directory could not be written (`storageFailed`), nil while it can.
    var storageFailure: String?
    /// Rank 0's watchdog over the groups computing points (`resources.watchdog`).
    var watchdog: Watchdog?
    /// Serialises the run's records and checkpoint between the main thread and the watchdog's.
    let stateLock = NSRecursiveLock()

    struct Header: Codable {
        var stage: String?
        var groupSizes: [Int] = []
        var dispatch = false
        var exitCode: Int32?
        var message: String?
        /// Compute the final point on the world (the end-of-run analysis).
        var analysis: AnalysisRequest?
    }

    /// The exit status (same on every rank).
    public func run() throws -> Int32 {
        runStart = Date()
        if options.doctor, let code = try runDoctor() { return code }
        var hostNames = [String]()
        if let names = try world.gather(MPIRuntime.processorName) { hostNames = names }
        if world.rank == 0 {
            ranksPerNode = max(1, hostNames.filter { $0 == hostNames[0] }.count)
            return try master()
        }
        return try follower()
    }

    func broadcast(_ h: Header) throws -> Header {
        // a rank that never joins leaves the world in this collective: watched too
        if world.rank == 0 { watchdog?.arm(Watchdog.worldCollective, label: "the world (\(world.size) ranks, in a collective)", point: nil) }
        defer { if world.rank == 0 { watchdog?.disarm(Watchdog.worldCollective) } }
        let text = try world.broadcast(world.rank == 0 ? String(decoding: try JSONCoding.encoder().encode(h), as: UTF8.self) : "")
        return try JSONCoding.decoder().decode(Header.self, from: Data(text.utf8))
    }

    func executor(_ group: Communicator) -> PointExecutor {
        let e = PointExecutor(config: config, planner: planner, group: group, stop: stop)
        e.scalapackThreshold = options.scalapackThreshold
        e.keepState = options.warmStart
        return e
    }

    func follower() throws -> Int32 {
        while true {
            let h = try broadcast(Header())
            if let code = h.exitCode { return code }
            if let request = h.analysis { followAnalysis(request) }
            if h.dispatch {
                try StageDispatch(world: world, groupSizes: h.groupSizes, stop: stop).run(executorFor: executor)
            }
        }
    }

    /// The doctor's cheap checks; an exit status when one FAILs.
    func runDoctor() throws -> Int32? {
        let options = DoctorOptions(outputDirectory: directory, memoryLimit: ByteCount(bytes: config.resources.memoryLimit),
                                    diskLimit: ByteCount(bytes: 64 << 20))
        let results = Doctor.run(Doctor.quickChecks(options), on: world)
        var failed = [results.map { Doctor.succeeded($0) ? 0.0 : 1.0 } ?? 0]
        try world.broadcast(&failed)
        guard failed[0] != 0 else { return nil }
        if let results {
            for r in results where r.status == .fail {
                FileHandle.standardError.write(Data("error: doctor \(r.name): \(r.value): \(r.message)\n".utf8))
            }
            FileHandle.standardError.write(Data("error: the environment check failed; nothing was computed (see 'preconv-mpi doctor --quick')\n".utf8))
        }
        return 1
    }

    // MARK: master

    func master() throws -> Int32 {
        do {
            try prepare()
        } catch let e as InputError {
            _ = try broadcast(Header(exitCode: 2))
            throw e
        } catch {
            _ = try broadcast(Header(exitCode: 1))
            throw error
        }
        bar = isatty(STDERR_FILENO) != 0
        log.setBeforeStderr { [unowned self] in self.clearBar() }
        watchdog = Watchdog(limit: config.resources.watchdog) { [unowned self] group, watch, silent in
            self.stuck(group: group, watch: watch, silent: silent)
        }
        defer { watchdog?.stop() }
        let code = try stages()
        _ = try broadcast(Header(exitCode: code))
        clearBar()
        return code
    }

    func prepare() throws {
        let fm = FileManager.default
        dir = RunDirectory(directory)
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let physics = config.physicsIdentity
        var meta: RunMetadata? = nil
        if dir.holdsRun {
            if options.fresh {
                // another live run must not be wiped
                lock = try RunLock(path: dir.lock)
                for f in dir.runFiles { try? fm.removeItem(atPath: f) }
            } else {
                meta = try? RunMetadata.load(path: dir.metadata)
                if let m = meta {
                    let diff = physics.differences(from: m.physics)
                    if !diff.isEmpty {
                        throw InputError("\(directory) holds a run with a different \(diff.map { String($0.prefix { $0 != " " }) }.joined(separator: ", ")); "
                                            + "use --fresh to start over there, or another output.directory")
                    }
                    if m.mode != config.mode.rawValue {
                        throw InputError("\(directory) holds a \(m.mode) run, the config asks for \(config.mode.rawValue); use --fresh or another output.directory")
                    }
                }
            }
        } else if options.rerunStatuses != nil {
            throw InputError("\(directory) holds no run to rerun")
        }
        if lock == nil { lock = try RunLock(path: dir.lock) }
        log.open(file: dir.log)
        events = EventLog(path: dir.events) { [logger] text in logger.warning("\(text)") }
        let shardText = options.shard.map { "\($0[0])/\($0[1])" }
        let resumed = meta != nil
        let startLine = "\(resumed ? "resuming" : "starting") \(config.base.name) in \(directory) on \(world.size) rank(s)\(shardText.map { ", shard \($0)" } ?? "")"
        logger.notice("\(startLine)")
        events?.append(RunEvent(kind: .run_started, message: startLine))
        alerts = Alerts(settings: config.alerts, logger: logger, events: events, run: config.base.name, directory: directory)
        for w in config.base.warnings + config.notes { logger.warning("\(w)") }
        warnings += config.notes.filter { !warnings.contains($0) }
        try writeAtomically(Data(config.yaml.utf8), to: dir.config)
        var m = meta ?? RunMetadata(name: config.base.name, created: Timestamp.now(), physics: physics, mode: config.mode.rawValue,
                                    configBaseDirectory: config.baseDirectory, invocations: [])
        m.configBaseDirectory = config.baseDirectory
        m.pseudopotentialFiles = PseudopotentialFileRecord.records(of: config.base)
        m.structureCIF = config.base.structure.cifRecord
        m.invocations.append(.init(started: Timestamp.now(), commandLine: options.commandLine, configHash: config.configHash,
                                   configFile: config.file.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                                   ranks: world.size, shard: shardText, versions: versions(), gitRevision: Environment.gitRevision(),
                                   environment: Environment.fingerprint(ranks: world.size)))
        try m.save(path: dir.metadata)

        // journal: every good record; damaged lines are reported and their points recomputed
        let (recs, problems) = Journal.read(path: dir.journal)
        for p in problems {
            let msg = "\(p): ignored; \(p.id.map { "point \($0)" } ?? "the point") will be recomputed"
            logger.warning("\(msg)")
            warnings.append(msg)
        }
        records = recs
        switch RunState.load(path: dir.state) {
        case .failure(let e)?:
            let msg = "\(e.message); rebuilding it from the config and the journal"
            logger.warning("\(msg)")
            warnings.append(msg)
        case .success(let s)? where s.configHash != config.configHash:
            logger.notice("the config changed since the last checkpoint; finished points are kept, the plan follows the new config")
        default: break
        }
        var excluded = Set<String>()
        if let statuses = options.rerunStatuses {
            let latest = Journal.latest(recs)
            excluded = Set(latest.values.filter { statuses.contains($0.status) }.map(\.id))
            logger.notice("rerun: \(excluded.count) point(s) with status \(statuses.map(\.rawValue).sorted().joined(separator: ", ")) will be recomputed")
            for id in excluded.sorted() { logger.info("rerun: \(id)") }
        }
        for r in recs where r.status != .interrupted {
            if excluded.contains(r.id) { continue }
            if RunAnalysis.nonScanStages.contains(r.stage) { finalRecords[r.id] = r; continue }
            done[key(of: r)] = r
        }
        // a point whose latest record is excluded must not fall back to an older record
        for r in recs where excluded.contains(r.id) { done.removeValue(forKey: key(of: r)) }
        journal = Journal(path: dir.journal)
        try journal.open()
        choices = planner.initialChoices()
    }

    func key(of r: PointRecord) -> String {
        guard let slash = r.id.firstIndex(of: "/") else { return r.id }
        return String(r.id[r.id.index(after: slash)...])
    }

    func versions() -> [String: String] {
        var v: [String: String] = [Program.name: Program.version, "mpi": MPIRuntime.libraryVersion,
                                   "libxc": XCFunctional.libraryVersion, "spglib": Spglib.version]
        #if swift(>=6.3)
        v["swift"] = "≥ 6.3"
        #elseif swift(>=6.1)
        v["swift"] = "6.1–6.2"
        #endif
        return v
    }

    /// The stage loop; returns the exit status.
    func stages() throws -> Int32 {
        let stages = planner.stages()
        var allConverged = true
        var stopped = false
        for (si, stage) in stages.enumerated() {
            if stop.isSet { stopped = true; break }
            var points = try stage.plan(choices, planner: planner)
            if let s = options.shard { points = points.filter { $0.index % s[1] == s[0] - 1 } }
            var seen = Set<String>()
            points = points.filter { seen.insert($0.key).inserted }
            let stageStart = Date()
            stageTimeAlerted = false
            var results: StageResults { points.reduce(into: StageResults()) { m, p in if let r = done[p.key] { m[p.key] = r } } }
            var pending = points.filter { done[$0.key] == nil }
            let unneeded0 = stage.unneeded(points, results: results)
            pending.removeAll { unneeded0.contains($0.key) }
            pending = stage.dispatchInParameterOrder ? pending.sorted { $0.index < $1.index }
                : pending.sorted { $0.cost != $1.cost ? $0.cost > $1.cost : $0.index < $1.index }
            var state = RunState.StageState(name: stage.name, points: [:], order: points.map(\.id), decision: nil)
            for p in points { state.points[p.id] = done[p.key]?.status.rawValue ?? (unneeded0.contains(p.key) ? "skipped" : "pending") }
            stageStates.append(state)
            let groups = ScanCostModel.groupSizes(ranks: world.size, points: pending, ranksPerPoint: config.resources.ranksPerPoint)
            let stageLine = "stage \(stage.name): \(points.count) point(s), \(points.count - pending.count) already done, \(pending.count) to compute"
                + (pending.isEmpty ? "" : " on \(groups.count) group(s) of \(groups.map(String.init).joined(separator: "/")) rank(s)")
            logger.notice("\(stageLine)")
            events?.append(RunEvent(kind: .stage_started, stage: stage.name, message: stageLine, done: points.count - pending.count, total: points.count))
            if stage.name == "kmesh" || stage.name == "grid", let k = config.kmesh { for note in k.mergedSpacingNotes { logger.notice("\(note)") } }
            try checkpoint(force: true)
            if !pending.isEmpty {
                let futureCost = futureStagesCost(stages: Array(stages[(si + 1)...]))
                // the cost model's estimate of the stage: its points' rank-seconds over the world
                let estimate = pending.map { p in
                    let g = groups.min() ?? 1
                    return ScanCostModel.seconds(cost: p.cost, groupSize: g) * Double(g)
                }.reduce(0, +) / Double(world.size)
                let checkStageTime = { [unowned self] in
                    let elapsed = Date().timeIntervalSince(stageStart)
                    if !self.stageTimeAlerted, estimate > 0, elapsed > self.config.alerts.stageTime * estimate {
                        self.stageTimeAlerted = true
                        self.alert("stage_time", String(format: "stage %@ has run %@, past %.3g × its estimate of %@", stage.name,
                                                        self.duration(elapsed), self.config.alerts.stageTime, self.duration(estimate)),
                                   value: elapsed / estimate, threshold: self.config.alerts.stageTime, stage: stage.name)
                    }
                }
                _ = try broadcast(Header(stage: stage.name, groupSizes: groups, dispatch: true))
                let dispatch = StageDispatch(world: world, groupSizes: groups, stop: stop)
                dispatch.queue = pending
                dispatch.warmStart = options.warmStart
                dispatch.store = warmStore
                dispatch.watchdog = watchdog
                var remainingCost = pending.map(\.cost).reduce(0, +)
                var finishedInStage = points.count - pending.count
                dispatch.unneeded = { [unowned self] in
                    let u = stage.unneeded(points, results: results)
                    for p in points where u.contains(p.key) && self.done[p.key] == nil {
                        if self.stageStates[si].points[p.id] == "pending" {
                            self.stageStates[si].points[p.id] = "skipped"
                            remainingCost -= p.cost
                            self.logger.info("stage \(stage.name): \(p.id) not needed (successive meshes agree)")
                        }
                    }
                    return u
                }
                dispatch.tick = { [unowned self] in
                    try? self.checkpoint(force: false)
                    checkStageTime()
                }
                dispatch.onStart = { [unowned self] point in
                    self.events?.append(RunEvent(kind: .point_started, stage: stage.name, point: point.id, total: points.count))
                }
                dispatch.onResult = { [unowned self] result, point in
                    self.stateLock.lock()
                    defer { self.stateLock.unlock() }
                    let r = result.record
                    var journalled = true
                    do { try self.journal.append(r) } catch {
                        // not kept: the point is recomputed when the run resumes
                        journalled = false
                        self.storageFailed("the journal", error)
                    }
                    self.records.append(r)
                    if r.status != .interrupted && journalled { self.done[point.key] = r }
                    self.stageStates[si].points[point.id] = journalled ? r.status.rawValue : "pending"
                    finishedInStage += 1
                    remainingCost -= point.cost
                    self.costDone += point.cost
                    self.rankSecondsDone += r.wall_time_s * Double(r.ranks)
                    self.totalIterations += r.scf_iterations ?? 0
                    self.computedPoints += 1
                    self.progress(r, point: point, stage: stage.name, index: finishedInStage, of: points.count,
                                  points: points, remainingCost: max(0, remainingCost), futureCost: futureCost)
                    checkStageTime()
                }
                try dispatch.run(executorFor: executor)
            }
            // a stop with points still to compute: no decision from partial results (the resumed run decides)
            let unfinished = stage.unneeded(points, results: results)
            if stop.isSet, points.contains(where: { done[$0.key] == nil && !unfinished.contains($0.key) }) {
                stopped = true
                allConverged = false
                logger.notice("stage \(stage.name) stopped before all its points were computed; it decides when the run resumes")
                break
            }
            // decision
            var decision = stage.decide(points, results: results, choices: &choices)
            if decision.convergence == nil {
                // the convergence decisions flag collapsed moments themselves; the lattice stage here
                let converged = points.compactMap { results[$0.key] }.filter { $0.status == .converged }
                decision.warnings += MomentCollapse.warnings(converged, parameter: ConvergenceParameter.detect(converged))
            }
            let skippedKeys = stage.unneeded(points, results: results)
            let needed = points.filter { !skippedKeys.contains($0.key) }
            let recorded = needed.compactMap { done[$0.key] }
            let failures = recorded.filter { $0.status != .converged }
            if needed.contains(where: { done[$0.key] == nil }) { stopped = stopped || stop.isSet; allConverged = false }
            if !failures.isEmpty { allConverged = false }
            for w in decision.warnings { logger.warning("\(w)"); warnings.append(w) }
            let failureRate = recorded.isEmpty ? 0 : Double(failures.count) / Double(recorded.count)
            if failureRate > config.alerts.failureRate {
                let w = String(format: "stage %@: %d of %d points failed (%.0f %% > %.3g %%)", stage.name, failures.count,
                               recorded.count, 100 * failureRate, 100 * config.alerts.failureRate)
                decision.warnings.append(w)
                alert("failure_rate", w, value: failureRate, threshold: config.alerts.failureRate, stage: stage.name)
            }
            stageStates[si].decision = decision
            decisions.append(decision)
            let line = String(format: "stage %@ done in %.1f s: %@", stage.name, Date().timeIntervalSince(stageStart), decision.summary)
            clearBar()
            out(line)
            logger.info("\(line)")
            try checkpoint(force: true)
            try writeSummary()
            if decision.decided, si + 1 < stages.count, options.shard == nil {
                writeProgressReport(decided: stages[...si].map(\.name), next: stages[si + 1].name)
            }
            events?.append(RunEvent(kind: .stage_decided, stage: stage.name, status: decision.decided ? "decided" : "undecided",
                                    message: decision.summary, wall_time_s: Date().timeIntervalSince(stageStart)))
            if stop.isSet { stopped = true; break }
            if !decision.decided {
                logger.error("stage \(stage.name) could not decide: \(decision.summary); later stages are not run")
                allConverged = false
                break
            }
        }
        if storageFailure != nil { stopped = true; allConverged = false }
        let analysis = try finishRun(stopped: stopped, allConverged: allConverged)
        if !analysis.succeeded { allConverged = false }
        if analysis.stopped { stopped = true; allConverged = false }
        try checkpoint(force: true, finished: !stopped)
        try writeSummary()
        let wall = Date().timeIntervalSince(runStart)
        let verdict = String(format: "%@: %d point(s) computed, %d SCF iterations, %.1f s; summary %@",
                             allConverged ? "done" : stopped ? "stopped" : "done with failures", computedPoints, totalIterations, wall, dir.summaryCSV)
        out(verdict)
        logger.info("\(verdict)")
        for line in analysis.lines { out(line); logger.info("\(line)") }
        events?.append(RunEvent(kind: .run_finished, status: allConverged ? "done" : stopped ? "stopped" : "done with failures",
                                message: verdict, wall_time_s: wall))
        alerts?.finish()
        if stopped { logger.notice("the run was stopped; run the same command again to resume") }
        if stopped { return Self.stoppedExitCode }
        return allConverged ? 0 : 1
    }

    /// Exit status of a run stopped by `StopFlag` (SIGUSR1/SIGTERM) or because its journal or
    /// checkpoint could not be written (a full disk): resumable.
    public static let stoppedExitCode: Int32 = 3

    /// Exit status of a run aborted by the watchdog (a group of ranks made no progress for
    /// `resources.watchdog`): the journal and checkpoint are written first, so it is resumable.
    public static let watchdogExitCode: Int32 = 4

    /// The watchdog's verdict (on its thread): group `group` made no progress for `silent` seconds.
    /// Records it (log, an `interrupted` journal record of its point, an alert, the end event),
    /// writes the checkpoint and aborts every rank with `watchdogExitCode`. The resumed run
    /// recomputes the unfinished points only.
    func stuck(group: Int, watch: Watchdog.Watch, silent: Double) -> Never {
        stateLock.lock()
        let text = String(format: "watchdog: %@%@ made no progress for %.0f s (resources.watchdog %@): a stopped or hung rank; "
                          + "the job is aborted with exit status %d — run the same command again to resume",
                          watch.label, watch.point.map { " computing \($0.id)" } ?? "", silent, duration(config.resources.watchdog),
                          Self.watchdogExitCode)
        logger.critical("\(text)")
        clearBar()
        if let p = watch.point {
            let base = config.base
            let a0 = base.structure.latticeConstant
            let v0 = base.crystal.lattice.volume
            let volume = p.a.flatMap { a in a0.map { v0 * pow(a / $0, 3) } } ?? v0
            let record = PointRecord(id: p.id, stage: p.stage, ecut: p.ecut, kmesh: p.kmesh, kshift: p.kshift,
                                     latticeConstant: p.a ?? a0 ?? cbrt(v0), volume: volume, atoms: base.crystal.atoms.count,
                                     smearing: base.smearing, status: .interrupted, result: nil, scfIterations: nil,
                                     error: String(format: "no progress for %.0f s on %@ (watchdog); the job was aborted", silent, watch.label),
                                     wallTime: silent, ranks: 1, warmStartFrom: nil)
            try? journal.append(record)
        }
        alert("watchdog", text, value: silent, threshold: config.resources.watchdog, point: watch.point?.id)
        try? checkpoint(force: true)
        events?.append(RunEvent(kind: .run_finished, status: "aborted", message: text, wall_time_s: Date().timeIntervalSince(runStart)))
        world.abort(Self.watchdogExitCode)
    }

    /// Free space below which the run stops before a checkpoint (the journal, the checkpoint and the
    /// analysis files need room).
    static let minimumFreeBytes: UInt64 = 16 << 20

    /// The journal or the checkpoint could not be written (ENOSPC, EIO): said once (log, event, alert),
    /// then the run stops as on a stop signal: no new point starts, the points running end, and the
    /// run exits with `stoppedExitCode`; the resumed run recomputes whatever was not journalled.
    func storageFailed(_ what: String, _ error: Error) {
        if storageFailure == nil {
            let text = "\(what) could not be written (\(error)); the run stops (exit status 3): free space in \(directory) "
                + "and run the same command again to resume"
            storageFailure = text
            logger.error("\(text)")
            alert("disk", text)
        }
        stop.set()
    }

    func futureStagesCost(stages: [any ScanStage]) -> Double {
        stages.compactMap { try? $0.plan(choices, planner: planner) }.flatMap { $0 }.filter { done[$0.key] == nil }.map(\.cost).reduce(0, +)
    }

    func progress(_ r: PointRecord, point: ScanPoint, stage: String, index: Int, of total: Int, points: [ScanPoint],
                  remainingCost: Double, futureCost: Double) {
        // ΔE per atom against the nearest finished point of the stage below it (else above)
        var delta = ""
        if let f = r.free_energy_Ha {
            let others = points.filter { $0.key != point.key }.compactMap { p -> (ScanPoint, Double)? in
                guard let o = done[p.key], o.status == .converged, let fo = o.free_energy_Ha else { return nil }
                return (p, fo)
            }
            let below = others.filter { $0.0.index < point.index }.max { $0.0.index < $1.0.index }
            let above = others.filter { $0.0.index > point.index }.min { $0.0.index < $1.0.index }
            if let (_, fo) = below ?? above {
                delta = String(format: "  ΔE %+.3f meV/atom", (f - fo) / Double(r.atoms) * Units.hartreeInEV * 1000)
            }
        }
        let rate = costDone > 0 ? rankSecondsDone / costDone / Double(world.size) : 0
        let etaStage = remainingCost * rate, etaRun = etaStage + futureCost * rate
        let energy = (r.free_energy_Ha.map { String(format: "F %.10f Ha", $0) } ?? "F —")
            + (r.pressure_GPa.map { String(format: "  P %.3f GPa", $0) } ?? "")
            + (r.total_magnetization_muB.map { String(format: "  M %.4f μB", $0) } ?? "")
        let state = r.status == .converged ? "" : "  \(r.status.rawValue.uppercased()): \(r.error ?? "")"
        let line = String(format: "[%@ %d/%d] %@  %@%@  %@ it  %.2f s%@  ETA stage %@, run %@",
                          stage, index, total, point.parameters, energy, delta,
                          r.scf_iterations.map(String.init) ?? "—", r.wall_time_s, state, duration(etaStage), duration(etaRun))
        clearBar()
        out(line)
        logger.info("\(line)")
        events?.append(RunEvent(kind: .point_finished, stage: stage, point: r.id, status: r.status.rawValue, message: r.error,
                                free_energy_Ha: r.free_energy_Ha, wall_time_s: r.wall_time_s, done: index, total: total,
                                eta_stage_s: etaStage, eta_run_s: etaRun, peak_memory_MiB: r.peak_memory_MiB))
        let share = Double(config.resources.memoryLimit) / 1_048_576 / Double(ranksPerNode)
        if let peak = r.peak_memory_MiB, peak > config.alerts.memory * share {
            alert("memory", String(format: "%@: peak memory %.0f MiB per rank exceeds %.3g %% of the %.0f MiB share of resources.memory_limit",
                                   r.id, peak, 100 * config.alerts.memory, share),
                  value: peak / share, threshold: config.alerts.memory, stage: stage, point: r.id)
        }
        if bar {
            let width = 30
            let filled = total > 0 ? width * index / total : width
            barText = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(stage) \(index)/\(total), ETA \(duration(etaRun))"
            FileHandle.standardError.write(Data(("\r" + barText).utf8))
        }
    }

    /// A threshold of `config.alerts` crossed: the run's warnings and `Alerts.raise` (log, event, command).
    func alert(_ kind: String, _ text: String, value: Double? = nil, threshold: Double? = nil, stage: String? = nil, point: String? = nil) {
        warnings.append(text)
        alerts?.raise(kind, text, value: value, threshold: threshold, stage: stage, point: point)
    }

    /// Before a checkpoint: the use of the run directory's file system against `alerts.disk`; returns
    /// the bytes free for this user (nil when unknown).
    @discardableResult
    func checkDisk() -> UInt64? {
        var st = statvfs()
        guard statvfs(directory, &st) == 0, st.f_blocks > 0 else { return nil }
        let used = 1 - Double(st.f_bavail) / Double(st.f_blocks)
        if used > config.alerts.disk {
            if !diskAlerted {
                diskAlerted = true
                alert("disk", String(format: "the file system of %@ is %.1f %% full (alert above %.3g %%)", directory, 100 * used, 100 * config.alerts.disk),
                      value: used, threshold: config.alerts.disk)
            }
        } else {
            diskAlerted = false
        }
        return UInt64(st.f_bavail) * UInt64(st.f_frsize)
    }

    func clearBar() {
        guard bar, !barText.isEmpty else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: barText.count) + "\r").utf8))
        barText = ""
    }

    func duration(_ s: Double) -> String { WallTime.text(seconds: s) }

    /// Writes the checkpoint (state.json) after checking the disk; a failure to write it, or free
    /// space below `minimumFreeBytes`, stops the run (`storageFailed`) instead of throwing.
    func checkpoint(force: Bool, finished: Bool = false) throws {
        stateLock.lock()
        defer { stateLock.unlock() }
        guard force || Date().timeIntervalSince(lastCheckpoint) >= config.checkpointInterval else { return }
        lastCheckpoint = Date()
        if let free = checkDisk(), free < Self.minimumFreeBytes {
            storageFailed("the checkpoint", RunError("only \(free >> 10) KiB free on the file system of \(directory)"))
            return
        }
        let state = RunState(configHash: config.configHash, updatedAt: Timestamp.now(), stages: stageStates, choices: choices,
                             finished: finished && storageFailure == nil, warnings: warnings, shard: options.shard.map { "\($0[0])/\($0[1])" })
        do {
            try writeAtomically(try state.encoded(), to: dir.state)
        } catch {
            storageFailed("the checkpoint", error)
        }
    }

    /// summary.csv and summary.json from the records; a failure is logged (they are rebuilt from the journal).
    func writeSummary() throws {
        let latest = Array(Journal.latest(records).values)
        let s = ScanSummary(name: config.base.name, runDirectories: [directory], physics: config.physicsIdentity, choices: choices,
                            decisions: decisions, warnings: warnings, points: latest)
        do {
            try s.write(csvPath: dir.summaryCSV)
        } catch {
            logger.error("the summary could not be written: \(error)")
        }
    }
}
