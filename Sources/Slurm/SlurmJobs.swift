import Bindings
import Foundation
import RunStore
import Convergence
import Input
#if canImport(Glibc)
import Glibc
#endif

/// Shell quoting for values written into job scripts.
public enum ShellQuote {
    /// One shell word that expands to exactly `s`: single quotes, each `'` written as `'\''`
    /// (nothing inside single quotes is special to the shell, newlines included).
    public static func word(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Words separated by spaces.
    public static func words(_ list: [String]) -> String { list.map(word).joined(separator: " ") }

    /// Text safe inside a `#` comment line: control characters (newlines first of all) become `?`.
    public static func comment(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }
}

/// What `#SBATCH` directives may contain: values are not shell words there (sbatch parses them itself),
/// so every user-chosen value is checked against a small safe alphabet.
public enum SlurmValidation {
    static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

    static let mailCharacters = nameCharacters.union("@+")
    /// Slurm's `--mail-type` values.
    public static let mailTypes = ["NONE", "BEGIN", "END", "FAIL", "REQUEUE", "ALL", "INVALID_DEPEND", "STAGE_OUT",
                                   "TIME_LIMIT", "TIME_LIMIT_90", "TIME_LIMIT_80", "TIME_LIMIT_50", "ARRAY_TASKS"]

    /// A `--mail-user` address: `[A-Za-z0-9._+@-]+`, at most 254 characters.
    public static func mailUser(_ value: String, field: String) throws {
        guard !value.isEmpty, value.count <= 254, value.allSatisfy({ mailCharacters.contains($0) }) else {
            let shown = value.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined()
            throw InputError("\(field) '\(shown)' is not usable in a Slurm job: only letters A-Z a-z, digits, '.', '_', '+', '@' "
                                  + "and '-' are allowed, at most 254 characters")
        }
    }

    /// A `--mail-type` list (comma-separated, case-insensitive); returns it upper-case.
    public static func mailType(_ value: String, field: String) throws -> String {
        let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        for p in parts where !mailTypes.contains(p) {
            let shown = ShellQuote.comment(p)
            throw InputError("\(field) '\(shown)' is not a Slurm mail type; allowed: \(mailTypes.joined(separator: ", ")) (several separated by commas)")
        }
        return parts.joined(separator: ",")
    }

    /// A job name, account or partition: `[A-Za-z0-9._-]+` (partitions: comma-separated list).
    public static func name(_ value: String, field: String, list: Bool = false) throws {
        let parts = list ? value.split(separator: ",", omittingEmptySubsequences: false).map(String.init) : [value]
        for p in parts where p.isEmpty || !p.allSatisfy({ nameCharacters.contains($0) }) || p.count > 128 {
            let shown = value.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined()
            throw InputError("\(field) '\(shown)' is not usable in a Slurm job: only letters A-Z a-z, digits, '.', '_' "
                                  + "and '-'\(list ? " (several separated by commas)" : "") are allowed, at most 128 characters")
        }
    }
}

/// `preconv-mpi slurm`: job scripts for a scan, rendered from the templates in `slurm/`.
public struct SlurmJobs {
    public enum Launcher: String, Sendable, CaseIterable { case srun, mpirun }

    public struct Options: Sendable {
        public var nodes = 1
        public var ntasksPerNode = 4
        /// Slurm time specification; nil = the estimate.
        public var time: String?
        public var partition: String?
        public var account: String?
        /// `--mail-user` / `--mail-type` of the jobs; nil: the config's `resources.mail`, else not set.
        /// A user without a type gets END,FAIL.
        public var mailUser: String?
        public var mailType: String?
        /// A job array of `shards` tasks (grid scans) and a collect job.
        public var array = false
        public var shards: Int?
        public var jobName: String?
        public var launcher: Launcher = .srun
        /// How often a stopped job requeues itself.
        public var maxRequeues = 3
        /// Seconds between SIGUSR1 and the time limit; nil = from the estimate.
        public var signalMargin: Int?
        /// The preconv-mpi the jobs run (absolute); nil = this executable.
        public var binary: String?
        /// The template directory; nil = found next to the executable (see `SlurmTemplates.locate`).
        public var templates: String?
        public init() {}
    }

    /// One rendered script.
    public struct Script: Sendable {
        public var kind: String
        public var fileName: String
        public var text: String
    }

    public let config: ScanConfig
    /// The config file as the job will read it (absolute).
    public let configPath: String
    /// `--set` overrides, passed on to the jobs.
    public let overrides: [String]
    public let options: Options

    public private(set) var scripts: [Script] = []
    public private(set) var estimate: SlurmEstimate!
    public private(set) var jobName = ""
    public private(set) var timeLimit = 0
    public private(set) var signalSeconds = 0
    public private(set) var shards = 1
    public private(set) var notes: [String] = []
    /// The jobs' `--mail-user` and `--mail-type` (validated), nil when not set.
    public private(set) var mailUser: String?
    public private(set) var mailType: String?

    public var runDirectory: String { config.outputDirectory }
    public var ranks: Int { options.nodes * options.ntasksPerNode }

    public static let singleScript = "job-single.sbatch"
    public static let arrayScript = "job-array.sbatch"
    public static let collectScript = "job-collect.sbatch"
    public static let rerunScript = "job-rerun-failed.sbatch"

    public init(config: ScanConfig, configPath: String, overrides: [String], options: Options) throws {
        self.config = config
        self.configPath = URL(fileURLWithPath: configPath).standardizedFileURL.path
        self.overrides = overrides
        self.options = options
        try validate()
        try render()
    }

    // MARK: checks

    mutating func validate() throws {
        let o = options
        guard (1...100_000).contains(o.nodes) else { throw InputError("--nodes \(o.nodes): expected 1 to 100000") }
        guard (1...4096).contains(o.ntasksPerNode) else { throw InputError("--ntasks-per-node \(o.ntasksPerNode): expected 1 to 4096") }
        guard (0...100).contains(o.maxRequeues) else { throw InputError("--max-requeues \(o.maxRequeues): expected 0 to 100") }
        if let name = o.jobName {
            try SlurmValidation.name(name, field: "--job-name")
            jobName = name
        } else {
            do { try SlurmValidation.name(config.base.name, field: "name") } catch let e as InputError {
                throw InputError("\(e.message) (the config's name names the job; give --job-name to choose another)")
            }
            jobName = config.base.name
        }
        if let p = o.partition { try SlurmValidation.name(p, field: "--partition", list: true) }
        if let a = o.account { try SlurmValidation.name(a, field: "--account") }
        let user = o.mailUser ?? config.resources.mailUser
        if let u = user {
            try SlurmValidation.mailUser(u, field: o.mailUser != nil ? "--mail-user" : "resources.mail.user")
        }
        if let t = o.mailType ?? config.resources.mailType {
            mailType = try SlurmValidation.mailType(t, field: o.mailType != nil ? "--mail-type" : "resources.mail.type")
        } else if user != nil {
            mailType = "END,FAIL"
        }
        mailUser = user
        if let t = o.time {
            guard let s = SlurmTime.seconds(t), s > 0 else {
                throw InputError("--time '\(ShellQuote.comment(t))' is not a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS")
            }
            timeLimit = max(60, s)
        }
        if let m = o.signalMargin, m < 0 || m > 86400 { throw InputError("--signal-margin \(m): expected 0 to 86400 seconds") }
        if o.array && config.mode != .grid {
            throw InputError("--array needs stages.mode: grid (the stages of a staged scan depend on each other); "
                                  + "add --set stages.mode=grid or submit a single job")
        }
        if !o.array && o.shards != nil { throw InputError("--shards needs --array") }
        // the job's log files are named relative to the run directory, and Slurm reads '\' and '%' in
        // their full path as escapes and patterns: such a directory cannot hold a job's output
        let dir = config.outputDirectory
        if let bad = dir.unicodeScalars.first(where: { $0 == "\\" || $0 == "%" || $0.properties.generalCategory == .control }) {
            let shown = bad == "\\" || bad == "%" ? "'\(bad)'" : "a control character"
            throw InputError("output.directory '\(ShellQuote.comment(dir))' contains \(shown), which Slurm reads as an escape or a "
                                  + "pattern in the job's output file names; choose a directory without '\\', '%' and control characters")
        }
        for (i, s) in overrides.enumerated() where s.contains("\0") { throw InputError("--set #\(i + 1) contains a NUL byte") }
    }

    // MARK: plan and estimate

    // MARK: rendering

    mutating func render() throws {
        let stages = try ScanPlanner(config: config).plannedStages()
        let all = stages.flatMap { $0 }
        let ranksPerPoint = config.resources.ranksPerPoint
        if options.array {
            let n = options.shards ?? min(all.count, 4)
            guard n >= 1, n <= max(1, all.count) else {
                throw InputError("--shards \(n): expected 1 to \(all.count) (the scan has \(all.count) point(s))")
            }
            shards = n
            // the largest shard decides the time limit (the runner's shard rule: index % N == I - 1)
            estimate = (1...n).map { i in
                SlurmEstimate.estimate(stages: stages.map { $0.filter { $0.index % n == i - 1 } }, ranks: ranks,
                                       ranksPerNode: options.ntasksPerNode, ranksPerPoint: ranksPerPoint, config: config.base)
            }.max { $0.seconds < $1.seconds }!
        } else {
            estimate = SlurmEstimate.estimate(stages: stages, ranks: ranks, ranksPerNode: options.ntasksPerNode,
                                              ranksPerPoint: ranksPerPoint, config: config.base)
        }
        // SIGUSR1 comes `margin` s before the limit: time for a few SCF iterations and the checkpoint
        let wanted = options.signalMargin ?? Int(min(600, max(30, (3 * estimate.iterationSeconds + 20).rounded(.up))))
        if timeLimit == 0 {
            // Slurm checks limits every 30 s and may signal up to 60 s early: the margin and a minute on top
            // of the estimate, so that the warning does not stop a run that would have finished in time
            let extra = options.signalMargin == 0 ? 0 : wanted + 60
            timeLimit = max(estimate.limitSeconds, Int(ceil(Double(estimate.limitSeconds + extra) / 60)) * 60)
        } else if Double(timeLimit) < estimate.seconds * SlurmEstimate.safety + SlurmEstimate.startup {
            notes.append("--time \(SlurmTime.format(seconds: timeLimit)) is below the estimate (\(SlurmTime.text(seconds: Double(estimate.limitSeconds)))): "
                         + "the job will stop with a checkpoint before its limit and resume when requeued or submitted again")
        }
        // at most a third of the job
        signalSeconds = options.signalMargin == 0 ? 0 : max(5, min(wanted, timeLimit / 3))
        if let m = options.signalMargin, m != signalSeconds {
            notes.append("--signal-margin \(m) s is more than a third of the time limit; using \(signalSeconds) s")
        }
        let memLimitMiB = Double(config.resources.memoryLimit) / 1_048_576
        if Double(estimate.memoryPerNodeMiB) > memLimitMiB {
            notes.append(String(format: "the estimated memory per node (%d MiB) exceeds resources.memory_limit (%.0f MiB)",
                                estimate.memoryPerNodeMiB, memLimitMiB))
        }

        let templates = try SlurmTemplates.locate(explicit: options.templates)
        let binary = try options.binary.map { b -> String in
            guard b.hasPrefix("/") else { throw InputError("--binary '\(ShellQuote.comment(b))' must be an absolute path") }
            return b
        } ?? SlurmTemplates.executablePath()
        let runDir = runDirectory
        // the run directory is fixed (absolute) for every job, whatever the working directory
        let settings = overrides.filter { !$0.hasPrefix("output.directory=") } + ["output.directory=\(runDir)"]
        let shardDirs = options.array
            ? (1...shards).map { (runDir as NSString).appendingPathComponent("shard-\($0)-of-\(shards)") } : []
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withInternetDateTime])

        var common: [String: String] = [
            "name": ShellQuote.comment(config.base.name),
            "job_name": jobName,
            "nodes": "\(options.nodes)",
            "ntasks_per_node": "\(options.ntasksPerNode)",
            "ranks": "\(ranks)",
            "time": SlurmTime.format(seconds: timeLimit),
            "mem": "\(estimate.memoryPerNodeMiB)M",
            "signal_seconds": "\(signalSeconds)",
            "signal_directive": signalSeconds > 0 ? "#SBATCH --signal=B:USR1@\(signalSeconds)"
                : "##SBATCH --signal=B:USR1@<seconds>   (off: --signal-margin 0; the run then stops only at the limit)",
            "max_requeues": "\(options.maxRequeues)",
            "partition_directive": options.partition.map { "#SBATCH --partition=\($0)" } ?? "##SBATCH --partition=<name>",
            "account_directive": options.account.map { "#SBATCH --account=\($0)" } ?? "##SBATCH --account=<name>",
            "mail_directives": [mailUser.map { "#SBATCH --mail-user=\($0)" } ?? "##SBATCH --mail-user=<address>",
                                mailType.map { "#SBATCH --mail-type=\($0)" } ?? "##SBATCH --mail-type=<END,FAIL>"].joined(separator: "\n"),
            "preconv": ShellQuote.word(binary),
            "config": ShellQuote.word(configPath),
            "run_dir": ShellQuote.word(runDir),
            "run_dir_shell": ShellQuote.comment(ShellQuote.word(runDir)),
            "settings": settings.map { "--set " + ShellQuote.word($0) }.joined(separator: " "),
            "launcher": options.launcher.rawValue,
            "shards": "\(shards)",
            "shard_dirs": ShellQuote.words(shardDirs),
            "rendered_at": stamp,
            "estimate": ShellQuote.comment(estimate.summary(ranks: ranks)),
            "rerun_script_name": Self.rerunScript,
            "collect_script_name": Self.collectScript,
        ]
        common["step_functions"] = try SlurmTemplates.render(try SlurmTemplates.read("step.sh", in: templates), common)

        func make(_ kind: String, _ template: String, _ file: String, _ extra: [String: String] = [:]) throws -> Script {
            var values = common.merging(extra) { $1 }
            values["script_name"] = file
            return Script(kind: kind, fileName: file, text: try SlurmTemplates.render(try SlurmTemplates.read(template, in: templates), values))
        }
        if options.array {
            scripts.append(try make("array", "array.sbatch", Self.arrayScript))
            scripts.append(try make("collect", "collect.sbatch", Self.collectScript))
        } else {
            scripts.append(try make("single", "single.sbatch", Self.singleScript))
        }
        scripts.append(try make("rerun-failed", "rerun-failed.sbatch", Self.rerunScript, [
            "rerun_targets": options.array ? ShellQuote.words(shardDirs) : ShellQuote.word(runDir),
            "collect_after": options.array ? "1" : "0",
            "rerun_what": options.array ? "`preconv-mpi rerun --failed` on each shard, then `collect`" : "`preconv-mpi rerun --failed`",
        ]))
    }

    // MARK: files and commands

    /// Writes the scripts into the run directory (created if missing), executable; returns their paths.
    @discardableResult
    public func write() throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        } catch {
            throw InputError("cannot create the run directory \(runDirectory): \(error.localizedDescription)")
        }
        return try scripts.map { s in
            let path = (runDirectory as NSString).appendingPathComponent(s.fileName)
            try writeAtomically(Data(s.text.utf8), to: path)
            chmod(path, 0o755)
            return path
        }
    }

    /// The commands that submit the jobs (one line each, for a shell).
    public var commands: [String] {
        let cd = "cd \(ShellQuote.word(runDirectory))"
        if options.array {
            return ["\(cd) && array=$(sbatch --parsable \(Self.arrayScript)) && sbatch --dependency=afterany:${array%%;*} \(Self.collectScript)",
                    "# if points fail: fix the config, then  \(cd) && sbatch \(Self.rerunScript)"]
        }
        return ["\(cd) && sbatch \(Self.singleScript)",
                "# if points fail: fix the config, then  \(cd) && sbatch \(Self.rerunScript)"]
    }

    /// Submits the main job (and the collect job after the array); returns (script, job id) pairs.
    public func submit(sbatch: String? = nil) throws -> [(script: String, jobID: String)] {
        let tool = try sbatch ?? SlurmTemplates.which("sbatch")
        var submitted: [(String, String)] = []
        if options.array {
            let array = try Self.sbatch(tool, [Self.arrayScript], in: runDirectory)
            submitted.append((Self.arrayScript, array))
            let collect = try Self.sbatch(tool, ["--dependency=afterany:\(array)", Self.collectScript], in: runDirectory)
            submitted.append((Self.collectScript, collect))
        } else {
            submitted.append((Self.singleScript, try Self.sbatch(tool, [Self.singleScript], in: runDirectory)))
        }
        // a record of the submissions beside the run
        let log = submitted.map { "\(Timestamp.now()) submitted \($0.0) as job \($0.1)\n" }.joined()
        let path = (runDirectory as NSString).appendingPathComponent("slurm-jobs.log")
        if let h = FileHandle(forWritingAtPath: path) {
            _ = try? h.seekToEnd(); h.write(Data(log.utf8)); try? h.close()
        } else {
            FileManager.default.createFile(atPath: path, contents: Data(log.utf8))
        }
        return submitted
    }

    /// `sbatch --parsable ARGS` in `directory` (no shell: the arguments are passed as they are); the job id.
    static func sbatch(_ tool: String, _ arguments: [String], in directory: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["--parsable"] + arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        // sbatch hands its environment to the job: give it the one this process started with, without the
        // OMPI_*/PMIX_*/OPAL_* variables MPI_Init added (an mpirun inheriting them exits 1 without a word)
        p.environment = startEnvironment()
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw RunError("cannot run \(tool): \(error.localizedDescription)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let id = String(text.split(separator: ";").first ?? "")
        guard p.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let why = String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw RunError("sbatch \(arguments.joined(separator: " ")) failed (status \(p.terminationStatus)): \(why.isEmpty ? text : why)")
        }
        return id
    }
}

/// The environment the process was started with (`/proc/self/environ` is not changed by `setenv`), else
/// the current one without the variables MPI initialisation sets.
func startEnvironment() -> [String: String] {
    if let data = FileManager.default.contents(atPath: "/proc/self/environ"), !data.isEmpty {
        var env: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
        }
        return env
    }
    return ProcessInfo.processInfo.environment.filter { k, _ in !["OMPI_", "PMIX_", "OPAL_"].contains { k.hasPrefix($0) } }
}

/// The job script templates: plain files with `{{placeholders}}` in the repository's `slurm/` directory.
public enum SlurmTemplates {
    public static let files = ["single.sbatch", "array.sbatch", "collect.sbatch", "rerun-failed.sbatch", "step.sh"]

    /// `explicit`, else `$PRECONV_SLURM_TEMPLATES`, else a `slurm/` directory holding the templates in the
    /// executable's directory or one of its parents (the source tree it was built in), else
    /// `<prefix>/share/preconv-mpi/slurm` beside `<prefix>/bin`.
    public static func locate(explicit: String?) throws -> String {
        func holds(_ d: String) -> Bool { files.allSatisfy { FileManager.default.fileExists(atPath: (d as NSString).appendingPathComponent($0)) } }
        if let d = explicit ?? ProcessInfo.processInfo.environment["PRECONV_SLURM_TEMPLATES"] {
            guard holds(d) else { throw InputError("\(d) does not hold the job templates (\(files.joined(separator: ", ")))") }
            return d
        }
        var dir = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
        let share = dir.deletingLastPathComponent().appendingPathComponent("share/preconv-mpi/slurm").path
        for _ in 0..<8 {
            let d = dir.appendingPathComponent("slurm").path
            if holds(d) { return d }
            dir = dir.deletingLastPathComponent()
        }
        if holds(share) { return share }
        throw InputError("the job templates (slurm/*.sbatch) were not found beside \(executablePath()); give --templates DIR "
                              + "or set PRECONV_SLURM_TEMPLATES")
    }

    public static func read(_ name: String, in dir: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw InputError("cannot read the template \(path)") }
        return text
    }

    /// Replaces every `{{key}}` by `values[key]`; a placeholder without a value is an error (a template
    /// out of step with the code), so is a value with a NUL byte.
    public static func render(_ template: String, _ values: [String: String]) throws -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw InputError("template: '{{' without '}}'")
            }
            let key = String(rest[open.upperBound..<close.lowerBound])
            guard let v = values[key] else { throw InputError("template placeholder {{\(key)}} has no value") }
            guard !v.contains("\0") else { throw InputError("template value {{\(key)}} contains a NUL byte") }
            out += v
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// This executable, symlinks resolved.
    public static func executablePath() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// A program on PATH.
    public static func which(_ name: String) throws -> String {
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = (String(d) as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw RunError("\(name) not found on PATH (is this a Slurm login node?)")
    }
}
