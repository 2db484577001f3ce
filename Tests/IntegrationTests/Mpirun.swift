import Foundation
import Testing

/// Runs the built `preconv-mpi` binary, directly or under mpirun, as a child process.
enum Preconv {
    /// `$PRECONV_BIN`, else the binary next to this test bundle (same build directory),
    /// else `<package>/.build/release/preconv-mpi`.
    static let binary: String? = {
        let env = ProcessInfo.processInfo.environment
        if let path = env["PRECONV_BIN"] { return path }
        let siblings = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return [siblings.appendingPathComponent("preconv-mpi").path,
                package.appendingPathComponent(".build/release/preconv-mpi").path]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// This process' environment for a child mpirun. MPI_Init in the test process exports
    /// OMPI_*/PMIX_*/OPAL_* variables, and a child mpirun that inherits them exits 1 without a word;
    /// PMIX_MCA_psec and OMPI_MCA_pml, set by the Makefile for this kind of box, are kept.
    /// The threads variables are set to `threads`, or removed when it is nil.
    static func childEnvironment(threads: Int? = 1) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            key == "PMIX_MCA_psec" || key == "OMPI_MCA_pml" || !["OMPI_", "PMIX_", "OPAL_"].contains { key.hasPrefix($0) }
        }
        for v in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"] { env[v] = threads.map(String.init) }
        return env
    }

    /// Threads variables set in the child unless `threads` is nil (then both are removed);
    /// `environment` is added to the child's.
    static func run(ranks: Int?, _ arguments: [String], threads: Int? = 1,
                    timeout: TimeInterval = 120, environment: [String: String] = [:]) throws -> Outcome {
        let bin = try #require(binary, "preconv-mpi not built: run `swift build -c release` or set PRECONV_BIN")
        let process = Process()
        if let ranks {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "\(ranks)", bin] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: bin)
            process.arguments = arguments
        }
        var env = childEnvironment(threads: threads)
        env.merge(environment) { $1 }
        process.environment = env
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preconv-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(process.arguments ?? []) timed out after \(timeout) s")
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// One line of `doctor --json`.
struct CheckLine: Decodable, Equatable {
    let name: String
    let status: String
    let value: String
    let message: String

    /// Parses every non-empty line; a line that is not a check object fails the test.
    static func parse(_ text: String) throws -> [CheckLine] {
        try text.split(separator: "\n").map { line in
            try JSONDecoder().decode(CheckLine.self, from: Data(line.utf8))
        }
    }
}

/// Markers of a Swift trap or crash report.
let crashMarkers = ["Fatal error", "Stack dump", "Current stack trace", "Program crashed", "Thread 0 crashed", "Backtrace"]
