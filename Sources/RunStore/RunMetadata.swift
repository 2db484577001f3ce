import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

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
    /// Every pseudopotential file the run reads, with its SHA-256 (rewritten by each invocation;
    /// nil in runs written before it was recorded, and empty when every element uses a GTH table).
    public var pseudopotentialFiles: [PseudopotentialFileRecord]?
    /// For a structure read from a CIF: the file's cell and the primitive cell computed (rewritten by
    /// each invocation; nil for other structures and in runs written before it was recorded).
    public var structureCIF: CIFCellsRecord?
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
