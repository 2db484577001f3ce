import Bindings
import Foundation

/// The `alerts:` section of a scan config: thresholds that raise an alert (always in the log, the
/// run's warnings and `events.jsonl`) and an optional command that receives each alert.
///
///     alerts:
///       failure_rate: 20 %     # failed points of a stage, of those computed
///       memory: 85 %           # a point's peak memory per rank, of its share of resources.memory_limit
///       disk: 90 %             # use of the run directory's file system, checked before each checkpoint
///       stage_time: 1.5        # a stage running past this multiple of its estimate (the cost model)
///       command: [/path/notify.sh, --channel, ops]   # argv, no shell; the alert as JSON on stdin
///       command_timeout: 10 s  # the command is killed after this; its failure never stops the run
///
/// Without the section the thresholds above are the defaults and no command runs.
public struct AlertSettings: Sendable, Equatable, Codable {
    public static let sectionKey = "alerts"
    public static let keys = ["failure_rate", "memory", "disk", "stage_time", "command", "command_timeout"]

    /// Fractions (0.2 = 20 %).
    public var failureRate = 0.2
    public var memory = 0.85
    public var disk = 0.9
    /// Multiple of the stage's estimated time.
    public var stageTime = 1.5
    /// Executable and arguments, run without a shell; nil: no command.
    public var command: [String]? = nil
    /// Seconds.
    public var commandTimeout = 10.0

    public init() {}

    /// Reads the section; every problem is reported with its path.
    static func read(_ node: ConfigNode) throws -> AlertSettings {
        var a = AlertSettings()
        let m = try node.mapping(allowed: keys, expected: "a mapping {failure_rate: 20 %, memory: 85 %, disk: 90 %, stage_time: 1.5, command: [/path/notify.sh]}")
        var errors: [InputError] = []
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors { errors.append(contentsOf: e.errors) } catch {}
        }
        attempt { if let n = m["failure_rate"] { a.failureRate = try percentage(n, maximum: 100) } }
        attempt { if let n = m["memory"] { a.memory = try percentage(n, maximum: 100) } }
        attempt { if let n = m["disk"] { a.disk = try percentage(n, maximum: 100) } }
        attempt {
            if let n = m["stage_time"] {
                let t = try n.scalar(expected: "a multiple of the stage's estimate such as 1.5")
                guard let x = Double(t.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw n.error("'\(t)' is not a number (a multiple of the stage's estimated time, e.g. 1.5)")
                }
                guard x > 0 else { throw n.error("\(t) must be positive (e.g. 1.5: a stage running 50 % past its estimate)") }
                a.stageTime = x
            }
        }
        attempt {
            if let n = m["command"] {
                let items = try n.sequence(expected: "a list: the executable and its arguments, e.g. [/path/notify.sh, --channel, ops]")
                guard !items.isEmpty else { throw n.error("is empty; give the executable and its arguments, e.g. [/path/notify.sh]") }
                let argv = try items.map { try $0.scalar(expected: "a word of the command") }
                guard !argv[0].isEmpty else { throw items[0].error("the executable must not be empty") }
                a.command = argv
            }
        }
        attempt { if let n = m["command_timeout"] { a.commandTimeout = try ScanConfig.duration(n) } }
        if a.commandTimeout <= 0, let n = m["command_timeout"] { errors.append(n.error("must be positive (e.g. 10 s)")) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return a
    }

    /// `20 %` (or a bare fraction in (0, 1]) as a fraction.
    static func percentage(_ node: ConfigNode, maximum: Double) throws -> Double {
        let t = try node.scalar(expected: "a percentage such as 20 %").trimmingCharacters(in: .whitespaces)
        let value: Double
        if t.hasSuffix("%") {
            guard let x = Double(t.dropLast().trimmingCharacters(in: .whitespaces)), x.isFinite else {
                throw node.error("'\(t)' is not a percentage (e.g. 20 %)")
            }
            value = x / 100
        } else {
            guard let x = Double(t), x.isFinite, x <= 1 else {
                throw node.error("'\(t)' is not a percentage: write it with % (e.g. 20 %), or as a fraction up to 1 (0.2)")
            }
            value = x
        }
        guard value > 0, value <= maximum / 100 else { throw node.error("\(t) must be above 0 % and at most \(Int(maximum)) %") }
        return value
    }
}
