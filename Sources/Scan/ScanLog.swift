import Foundation
import Doctor
import Reporting
import ParallelSCF
import RunStore
import Convergence
import Input
import Logging

/// swift-log handler of a run: every message at `fileLevel` or above to `<run-dir>/preconv.log`
/// (timestamped), those at `stderrLevel` or above also to stderr. Rank 0 only writes.
public struct ScanLogHandler: LogHandler {
    final class Sink: @unchecked Sendable {
        let lock = NSLock()
        var file: FileHandle?
        var stderrLevel: Logger.Level
        /// Called before writing to stderr (to clear a live progress bar).
        var beforeStderr: (() -> Void)?
        init(stderrLevel: Logger.Level) { self.stderrLevel = stderrLevel }
    }

    let sink: Sink
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let enabled: Bool

    init(sink: Sink, enabled: Bool) {
        self.sink = sink
        self.enabled = enabled
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        guard enabled else { return }
        let text = "\(message)"
        sink.lock.lock()
        defer { sink.lock.unlock() }
        if let f = sink.file {
            f.write(Data("\(Timestamp.now()) \(level.rawValue): \(text)\n".utf8))
        }
        if level >= sink.stderrLevel {
            sink.beforeStderr?()
            let prefix = level >= .warning ? "\(level == .warning ? "warning" : "error"): " : ""
            FileHandle.standardError.write(Data("\(prefix)\(text)\n".utf8))
        }
    }
}

/// The logger of a run and its log file.
public final class ScanLog: @unchecked Sendable {
    let sink: ScanLogHandler.Sink
    public let logger: Logger

    /// `enabled` false (ranks other than 0) drops everything.
    public init(enabled: Bool, stderrLevel: Logger.Level = .notice) {
        let sink = ScanLogHandler.Sink(stderrLevel: stderrLevel)
        self.sink = sink
        var l = Logger(label: "preconv-mpi.run") { _ in ScanLogHandler(sink: sink, enabled: enabled) }
        l.logLevel = .info
        logger = l
    }

    /// Starts appending to `path`.
    public func open(file path: String) {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        _ = try? h.seekToEnd()
        sink.lock.lock()
        sink.file = h
        sink.lock.unlock()
    }

    public func setBeforeStderr(_ f: (() -> Void)?) {
        sink.lock.lock(); sink.beforeStderr = f; sink.lock.unlock()
    }
}
