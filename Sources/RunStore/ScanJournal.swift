import Bindings
import Foundation
import Input
import Convergence
#if canImport(Glibc)
import Glibc
#endif

/// The files of a run directory.
public struct RunDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var journal: String { file("journal.jsonl") }
    public var state: String { file("state.json") }
    public var metadata: String { file("metadata.json") }
    public var config: String { file("config.yaml") }
    public var log: String { file("preconv.log") }
    public var lock: String { file(".lock") }
    public var summaryCSV: String { file("summary.csv") }
    public var summaryJSON: String { file("summary.json") }
    /// The end-of-run analysis (what `report` regenerates the page from).
    public var analysis: String { file(RunDirectory.analysisFile) }
    public var report: String { file(RunDirectory.reportFile) }
    public var recommended: String { file(RunDirectory.recommendedFile) }
    public var bandsCSV: String { file("bands.csv") }
    public var dosCSV: String { file("dos.csv") }
    public static let analysisFile = "analysis.json"
    public static let reportFile = "report.html"
    public static let recommendedFile = "recommended.json"
    public static let abinitFile = "abinit-snippet.abi"
    public static let qeFile = "qe-snippet.in"
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Files a run writes (what `--fresh` removes), the end-of-run analysis's included.
    public var runFiles: [String] {
        [journal, state, metadata, config, log, summaryCSV, summaryJSON, analysis, report, recommended,
         file(RunDirectory.abinitFile), file(RunDirectory.qeFile), bandsCSV, dosCSV]
    }

    /// True when the directory holds a run (journal or metadata).
    public var holdsRun: Bool {
        FileManager.default.fileExists(atPath: journal) || FileManager.default.fileExists(atPath: metadata)
    }
}

/// One journal line that could not be used.
public struct JournalProblem: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    /// The point's id, when it could still be read.
    public let id: String?
    public var description: String { "journal line \(line): \(reason)\(id.map { " (point \($0))" } ?? "")" }
}

/// Why a journal line cannot be used.
public struct JournalLineError: Error, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The append-only journal: one line per finished point,
/// `{"sha256":"<hex of the record's bytes>","record":{…}}`, flushed and fsync'd per record.
/// A line whose checksum or JSON does not match (torn write, edit, disk error) is reported and ignored.
public final class Journal {
    public let path: String
    private var fd: Int32 = -1

    public init(path: String) { self.path = path }
    deinit { if fd >= 0 { close(fd) } }

    static let encoder = JSONCoding.encoder()
    static let decoder = JSONCoding.decoder()

    /// The journal line of a record.
    public static func line(for record: PointRecord) throws -> String {
        let body = String(decoding: try encoder.encode(record), as: UTF8.self)
        return "{\"sha256\":\"\(sha256Hex(Data(body.utf8)))\",\"record\":\(body)}"
    }

    /// Parses one line: the record, or why not.
    public static func parse(line: Substring) -> Result<PointRecord, JournalLineError> {
        let prefix = "{\"sha256\":\""
        let middle = "\",\"record\":"
        let u = Array(line.utf8)
        let p = Array(prefix.utf8), m = Array(middle.utf8)
        guard u.count > p.count + 64 + m.count + 1, Array(u[0..<p.count]) == p,
              Array(u[(p.count + 64)..<(p.count + 64 + m.count)]) == m, u.last == UInt8(ascii: "}") else {
            return .failure(JournalLineError(u.isEmpty ? "empty line" : "truncated or malformed line (\(u.count) bytes)"))
        }
        let hex = String(decoding: u[p.count..<(p.count + 64)], as: UTF8.self)
        let body = Data(u[(p.count + 64 + m.count)..<(u.count - 1)])
        guard sha256Hex(body) == hex else { return .failure(JournalLineError("checksum mismatch")) }
        do {
            return .success(try decoder.decode(PointRecord.self, from: body))
        } catch {
            return .failure(JournalLineError("checksum matches but the record does not decode: \(error)"))
        }
    }

    /// Every readable record, in file order, and the problems found.
    public static func read(path: String) -> (records: [PointRecord], problems: [JournalProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var records: [PointRecord] = []
        var problems: [JournalProblem] = []
        let text = String(decoding: data, as: UTF8.self)
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            switch parse(line: line) {
            case let .success(r): records.append(r)
            case let .failure(why):
                // name the point if its id is still legible, so that the user knows what is recomputed
                var id: String? = nil
                if let r = line.range(of: "\"id\":\""), let end = line[r.upperBound...].firstIndex(of: "\"") {
                    id = String(line[r.upperBound..<end])
                }
                problems.append(JournalProblem(line: i + 1, reason: why.reason, id: id))
            }
        }
        return (records, problems)
    }

    /// The latest record of every id (file order: later lines win).
    public static func latest(_ records: [PointRecord]) -> [String: PointRecord] {
        var out: [String: PointRecord] = [:]
        for r in records { out[r.id] = r }
        return out
    }

    /// Opens for appending; a torn last line (no final newline) is closed with one so that the next record starts a line.
    public func open() throws {
        fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("cannot open the journal \(path): \(String(cString: strerror(errno)))") }
        if let h = FileHandle(forReadingAtPath: path) {
            defer { try? h.close() }
            let size = (try? h.seekToEnd()) ?? 0
            if size > 0 {
                try? h.seek(toOffset: size - 1)
                if h.readData(ofLength: 1) != Data("\n".utf8) { try write(bytes: Data("\n".utf8)) }
            }
        }
        fsyncDirectory(of: path)
    }

    /// Appends one record and makes it durable.
    public func append(_ record: PointRecord) throws {
        if fd < 0 { try open() }
        try write(bytes: Data((try Journal.line(for: record) + "\n").utf8))
    }

    private func write(bytes: Data) throws {
        try bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RunError("cannot write the journal \(path): \(String(cString: strerror(errno)))")
                }
                off += n
            }
        }
        guard fsync(fd) == 0 else { throw RunError("cannot fsync the journal \(path): \(String(cString: strerror(errno)))") }
    }
}

/// Writes a file atomically: temp file, fsync, rename, fsync of the directory.
public func writeAtomically(_ data: Data, to path: String) throws {
    let tmp = path + ".tmp.\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw RunError("cannot write \(tmp): \(String(cString: strerror(errno)))") }
    var ok = true
    data.withUnsafeBytes { raw in
        var off = 0
        while off < raw.count {
            let n = write(fd, raw.baseAddress! + off, raw.count - off)
            if n < 0 { if errno == EINTR { continue }; ok = false; return }
            off += n
        }
    }
    ok = ok && fsync(fd) == 0
    close(fd)
    guard ok, rename(tmp, path) == 0 else {
        unlink(tmp)
        throw RunError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    fsyncDirectory(of: path)
}

func fsyncDirectory(of path: String) {
    let dir = (path as NSString).deletingLastPathComponent
    let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 { fsync(fd); close(fd) }
}

/// A failure of the run machinery (files, locks, incompatible run directories): exit status 1 unless an `InputError`.
public struct RunError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: checkpoint

/// The run state written at every checkpoint interval and stage boundary: the plan, what each
/// point's status is, the stage decisions. The journal is the source of truth; a damaged
/// checkpoint is reported and rebuilt from the config and the journal.
public struct RunState: Codable, Sendable, Equatable {
    public struct StageState: Codable, Sendable, Equatable {
        public var name: String
        /// Point id → status (`pending`, `running`, `skipped`, or a record status).
        public var points: [String: String]
        public var order: [String]
        public var decision: StageDecision?

        public init(name: String, points: [String: String], order: [String], decision: StageDecision?) {
            self.name = name; self.points = points; self.order = order; self.decision = decision
        }
    }
    public var format = 1
    public var configHash: String
    public var updatedAt: String
    public var stages: [StageState]
    public var choices: StageChoices
    public var finished: Bool
    public var warnings: [String]
    public var shard: String?

    public init(configHash: String, updatedAt: String, stages: [StageState], choices: StageChoices, finished: Bool,
                warnings: [String], shard: String? = nil) {
        self.configHash = configHash; self.updatedAt = updatedAt; self.stages = stages; self.choices = choices
        self.finished = finished; self.warnings = warnings; self.shard = shard
    }

    static let tag = "\"state\":"

    /// `{"sha256":"…","state":{…}}`
    public func encoded() throws -> Data {
        let body = String(decoding: try Journal.encoder.encode(self), as: UTF8.self)
        return Data("{\"sha256\":\"\(sha256Hex(Data(body.utf8)))\",\"state\":\(body)}\n".utf8)
    }

    /// The checkpoint at `path`: nil if absent; an error message if damaged.
    public static func load(path: String) -> Result<RunState, RunError>? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        let prefix = "{\"sha256\":\""
        guard text.hasPrefix(prefix), text.count > prefix.count + 64,
              let r = text.range(of: "\"," + tag), text.hasSuffix("}") else {
            return .failure(RunError("checkpoint \(path) is truncated or malformed (\(data.count) bytes)"))
        }
        let hex = String(text[text.index(text.startIndex, offsetBy: prefix.count)..<r.lowerBound])
        let body = String(text[r.upperBound..<text.index(before: text.endIndex)])
        guard sha256Hex(Data(body.utf8)) == hex else { return .failure(RunError("checkpoint \(path) fails its checksum")) }
        do {
            return .success(try Journal.decoder.decode(RunState.self, from: Data(body.utf8)))
        } catch {
            return .failure(RunError("checkpoint \(path) does not decode: \(error)"))
        }
    }
}

// MARK: metadata

/// Run metadata: who ran what, where, with which versions.
public struct RunMetadata: Codable, Sendable {
    public struct Invocation: Codable, Sendable {
        public var started: String
        public var commandLine: [String]
        public var configHash: String
        public var configFile: String?
        public var ranks: Int
        public var shard: String?
        public var versions: [String: String]
        public var gitRevision: String
        public var environment: [String: String]

        public init(started: String, commandLine: [String], configHash: String, configFile: String?, ranks: Int, shard: String?,
                    versions: [String: String], gitRevision: String, environment: [String: String]) {
            self.started = started; self.commandLine = commandLine; self.configHash = configHash; self.configFile = configFile
            self.ranks = ranks; self.shard = shard; self.versions = versions; self.gitRevision = gitRevision
            self.environment = environment
        }
    }
    public var format = 1
    public var name: String
    public var created: String
    public var physics: PhysicsIdentity
    public var mode: String
    public var configBaseDirectory: String
    public var invocations: [Invocation]

    public init(name: String, created: String, physics: PhysicsIdentity, mode: String, configBaseDirectory: String,
                invocations: [Invocation]) {
        self.name = name; self.created = created; self.physics = physics; self.mode = mode
        self.configBaseDirectory = configBaseDirectory; self.invocations = invocations
    }

    public static func load(path: String) throws -> RunMetadata? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try Journal.decoder.decode(RunMetadata.self, from: data) } catch {
            throw RunError("metadata \(path) does not decode: \(error)")
        }
    }

    public func save(path: String) throws {
        try writeAtomically(try JSONCoding.encoder(pretty: true).encode(self), to: path)
    }
}

/// The environment fingerprint stored with every invocation.
public enum Environment {
    public static func fingerprint(ranks: Int) -> [String: String] {
        let env = ProcessInfo.processInfo.environment
        var f: [String: String] = [
            "host": ProcessInfo.processInfo.hostName,
            "os": ProcessInfo.processInfo.operatingSystemVersionString,
            "cores": "\(ProcessInfo.processInfo.activeProcessorCount)",
            "memory_bytes": "\(ProcessInfo.processInfo.physicalMemory)",
            "mpi_ranks": "\(ranks)",
        ]
        for v in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "SLURM_JOB_ID", "SLURM_ARRAY_TASK_ID"] { if let x = env[v] { f[v] = x } }
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            f["cpu"] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return f
    }

    /// The git revision (HEAD) of the source tree the binary was built from, found upwards from
    /// the executable by reading `.git` (no subprocess: forking an MPI process is unsafe), or "unknown".
    public static func gitRevision() -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let fm = FileManager.default
        func read(_ p: String) -> String? {
            (try? String(contentsOfFile: p, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        for _ in 0..<8 {
            let dotgit = dir.appendingPathComponent(".git").path
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dotgit, isDirectory: &isDir) {
                var gitDir = dotgit
                if !isDir.boolValue, let t = read(dotgit), t.hasPrefix("gitdir:") {
                    let g = t.dropFirst(7).trimmingCharacters(in: .whitespaces)
                    gitDir = g.hasPrefix("/") ? g : dir.appendingPathComponent(g).path
                }
                var common = gitDir
                if let c = read(gitDir + "/commondir") { common = c.hasPrefix("/") ? c : gitDir + "/" + c }
                guard let head = read(gitDir + "/HEAD") else { return "unknown" }
                guard head.hasPrefix("ref:") else { return head }
                let ref = head.dropFirst(4).trimmingCharacters(in: .whitespaces)
                if let rev = read(gitDir + "/" + ref) ?? read(common + "/" + ref) { return rev }
                if let packed = read(common + "/packed-refs") {
                    for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                        return String(line.split(separator: " ")[0])
                    }
                }
                return "unknown"
            }
            dir.deleteLastPathComponent()
        }
        return "unknown"
    }
}

/// An exclusive advisory lock on `<run-dir>/.lock` (released by the kernel if the process dies).
public final class RunLock {
    private let fd: Int32
    public init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("cannot create the lock \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            throw RunError("another run is using \((path as NSString).deletingLastPathComponent) (\(holder.isEmpty ? "lock held" : holder))")
        }
        ftruncate(fd, 0)
        let text = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(Timestamp.now())\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }
    deinit { flock(fd, LOCK_UN); close(fd) }

    /// Whether a live process holds the lock of `path` (for `status`).
    public static func isHeld(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return true
    }
}

/// Peak resident memory of this process since the last reset (VmHWM), in MiB.
public enum PeakMemory {
    public static func reset() {
        // "5" resets the peak RSS (Linux ≥ 4.0); harmless where unsupported
        if let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") { h.write(Data("5".utf8)); try? h.close() }
    }

    public static func mebibytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 2, let kB = Double(f[1]) { return kB / 1024 }
        }
        return nil
    }
}
