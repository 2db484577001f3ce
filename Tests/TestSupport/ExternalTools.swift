import Foundation

/// External programs some tests drive (installed by `make test` through scripts/install-deps.sh's
/// test-tools list); the tests are skipped, with a message naming the package, when they are absent.
public enum ExternalTool {
    /// The first of `names` found on PATH.
    public static func find(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for dir in path.split(separator: ":") {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }

    public static let chromium = find(["chromium", "chromium-browser", "google-chrome"])
    public static let pwx = find(["pw.x"])
    public static let abinit = find(["abinit"])
    public static let mpirun = find(["mpirun"])

    public struct Outcome {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public let seconds: Double
    }

    /// Runs a program (no MPI variables inherited: a child mpirun that inherits a parent's exits at once).
    public static func run(_ executable: String, _ arguments: [String], directory: String? = nil, timeout: Double = 300) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment.filter { k, _ in k == "PMIX_MCA_psec" || k == "OMPI_MCA_pml" || !["OMPI_", "PMIX_", "OPAL_"].contains { k.hasPrefix($0) } }
        env["OMP_NUM_THREADS"] = "1"
        env["OPENBLAS_NUM_THREADS"] = "1"
        p.environment = env
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        let start = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(start) < timeout { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(start))
    }
}
