import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

/// One line of `<run-dir>/events.jsonl`: what a run did and when, for monitoring (`status --watch`,
/// or any tool that tails the file). Times are ISO 8601 UTC; every quantity names its unit.
/// Kinds: `run_started`, `stage_started`, `point_started`, `point_finished`, `stage_decided`,
/// `alert`, `run_finished`.
public struct RunEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case run_started, stage_started, point_started, point_finished, stage_decided, alert, run_finished
    }
    public var time: String
    public var kind: Kind
    public var stage: String?
    public var point: String?
    /// A point's status (`converged`, `failed`, …), or the run's verdict (`done`, `stopped`, `done with failures`).
    public var status: String?
    public var message: String?
    public var free_energy_Ha: Double?
    public var wall_time_s: Double?
    /// Points of the stage finished (or already done) and planned.
    public var done: Int?
    public var total: Int?
    public var eta_stage_s: Double?
    public var eta_run_s: Double?
    /// A point's peak resident memory per rank (its record), else rank 0's peak so far.
    public var peak_memory_MiB: Double?
    /// The node's 1-minute load average (/proc/loadavg) when the event was written.
    public var load_1min: Double?

    public init(kind: Kind, stage: String? = nil, point: String? = nil, status: String? = nil, message: String? = nil,
                free_energy_Ha: Double? = nil, wall_time_s: Double? = nil, done: Int? = nil, total: Int? = nil,
                eta_stage_s: Double? = nil, eta_run_s: Double? = nil, peak_memory_MiB: Double? = nil) {
        time = Timestamp.now()
        self.kind = kind; self.stage = stage; self.point = point; self.status = status; self.message = message
        self.free_energy_Ha = free_energy_Ha; self.wall_time_s = wall_time_s; self.done = done; self.total = total
        self.eta_stage_s = eta_stage_s; self.eta_run_s = eta_run_s
        self.peak_memory_MiB = peak_memory_MiB ?? PeakMemory.mebibytes()
        load_1min = Self.loadAverage()
    }

    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    /// One line for a terminal, e.g. `12:03:04  [cutoff 3/5] cutoff/ecut=14Ha,k=2  converged  F -8.5 Ha  2.1 s  ETA stage 4 s, run 1 min`.
    public var text: String {
        let clock = time.count >= 19 ? String(time.dropFirst(11).prefix(8)) : time
        var parts = [clock]
        switch kind {
        case .run_started: parts.append("run: \(message ?? "started")")
        case .run_finished: parts.append("run \(status ?? "finished")\(message.map { ": \($0)" } ?? "")")
        case .stage_started: parts.append("stage \(stage ?? "?") started\(message.map { ": \($0)" } ?? "")")
        case .stage_decided: parts.append("stage \(stage ?? "?") decided: \(message ?? "")")
        case .point_started: parts.append("started \(point ?? "?")")
        case .alert: parts.append("ALERT \(message ?? "")")
        case .point_finished:
            let where_ = done.flatMap { d in total.map { "[\(stage ?? "?") \(d)/\($0)] " } } ?? ""
            parts.append("\(where_)\(point ?? "?")  \(status ?? "?")")
            if let f = free_energy_Ha { parts.append(String(format: "F %.10f Ha", f)) }
            if let w = wall_time_s { parts.append(String(format: "%.1f s", w)) }
            if let s = eta_stage_s, let r = eta_run_s { parts.append("ETA stage \(WallTime.text(seconds: s)), run \(WallTime.text(seconds: r))") }
        }
        if let m = peak_memory_MiB, kind == .point_finished { parts.append(String(format: "%.0f MiB", m)) }
        return parts.joined(separator: "  ")
    }
}

/// Appends `RunEvent`s to `events.jsonl` (rank 0). Monitoring never stops a run: a line that cannot
/// be written is dropped and reported once through `onError`.
public final class EventLog: @unchecked Sendable {
    public let path: String
    private var failed = false
    private let onError: (String) -> Void

    public init(path: String, onError: @escaping (String) -> Void = { _ in }) {
        self.path = path
        self.onError = onError
    }

    public func append(_ event: RunEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(event) else { return }
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        var ok = fd >= 0
        if fd >= 0 {
            // one write with O_APPEND: a reader sees whole lines (or a torn last one it skips)
            ok = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == line.count
            close(fd)
        }
        if !ok, !failed {
            failed = true
            onError("events: cannot append to \(path): \(String(cString: strerror(errno))); monitoring events are dropped, the run goes on")
        }
    }

    /// The events of a file from byte `offset` on, with the offset after the last whole line (a torn
    /// or unparsable line is skipped).
    public static func read(path: String, from offset: UInt64 = 0) -> (events: [RunEvent], offset: UInt64) {
        guard let h = FileHandle(forReadingAtPath: path) else { return ([], offset) }
        defer { try? h.close() }
        guard (try? h.seek(toOffset: offset)) != nil, let data = try? h.readToEnd(), !data.isEmpty else { return ([], offset) }
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return ([], offset) }
        let whole = data[data.startIndex...lastNewline]
        let decoder = JSONDecoder()
        let events = whole.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(RunEvent.self, from: Data($0)) }
        return (events, offset + UInt64(whole.count))
    }
}
