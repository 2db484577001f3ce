import Foundation
import Input
import Logging
import RunStore
#if canImport(Glibc)
import Glibc
#endif

/// What rank 0 does with an alert (a threshold of `AlertSettings` crossed): the log, an `alert` line
/// in `events.jsonl`, and, when the config names one, the alert command — started without a shell
/// (its argv as given), the alert as one JSON object on its standard input, its output discarded,
/// killed after `command_timeout`. Commands run one at a time off the scan's thread; a command that
/// fails, hangs or prints garbage is logged and never changes or stops the run.
final class Alerts: @unchecked Sendable {
    /// The JSON object the command reads (units in the field names; `value` and `threshold` are
    /// fractions for failure_rate, memory and disk, multiples of the estimate for stage_time).
    struct Message: Codable {
        var time: String
        var alert: String
        var message: String
        var value: Double?
        var threshold: Double?
        var stage: String?
        var point: String?
        var run: String
        var run_directory: String
        var host: String
    }

    let settings: AlertSettings
    let logger: Logger
    let events: EventLog?
    let run: String
    let directory: String
    private let queue = DispatchQueue(label: "preconv-mpi.alerts")
    private let pending = DispatchGroup()

    init(settings: AlertSettings, logger: Logger, events: EventLog?, run: String, directory: String) {
        self.settings = settings; self.logger = logger; self.events = events; self.run = run; self.directory = directory
    }

    func raise(_ kind: String, _ text: String, value: Double? = nil, threshold: Double? = nil, stage: String? = nil, point: String? = nil) {
        logger.warning("\(text)")
        events?.append(RunEvent(kind: .alert, stage: stage, point: point, status: kind, message: text))
        guard let argv = settings.command else { return }
        let message = Message(time: Timestamp.now(), alert: kind, message: text, value: value, threshold: threshold, stage: stage,
                              point: point, run: run, run_directory: directory, host: ProcessInfo.processInfo.hostName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(message) else { return }
        let input = json + Data("\n".utf8)
        pending.enter()
        queue.async { [self] in
            defer { pending.leave() }
            runCommand(argv, input: input)
        }
    }

    /// Waits for the commands still running (each bounded by its timeout), at the end of the run.
    func finish() {
        _ = pending.wait(timeout: .now() + settings.commandTimeout + 5)
    }

    private func runCommand(_ argv: [String], input: Data) {
        guard let executable = Self.resolve(argv[0]) else {
            logger.warning("alerts: command \(argv[0]) not found (not an executable path, nor in PATH); the alert is only logged")
            return
        }
        // posix_spawn and waitpid on the pid itself (not Foundation's Process, whose exit monitor
        // may never see a child that MPI's SIGCHLD handling reaped); its own process group, so that
        // a timeout kills what it started too
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { logger.warning("alerts: no pipe for the command: \(String(cString: strerror(errno)))"); return }
        let devNull = open("/dev/null", O_WRONLY)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        if devNull >= 0 {
            posix_spawn_file_actions_adddup2(&actions, devNull, 1)
            posix_spawn_file_actions_adddup2(&actions, devNull, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let cArgs = ([executable] + argv.dropFirst()).map { strdup($0) } + [nil]
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, cArgs, environ)
        for a in cArgs { free(a) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        close(fds[0])
        if devNull >= 0 { close(devNull) }
        guard spawned == 0 else {
            close(fds[1])
            logger.warning("alerts: command \(argv[0]) could not start: \(String(cString: strerror(spawned)))")
            return
        }
        // a command that does not read its input must not block us: the pipe takes the small message; EPIPE ignored
        signal(SIGPIPE, SIG_IGN)
        _ = input.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        var status: Int32 = 0
        func reaped() -> Bool {
            let r = waitpid(pid, &status, WNOHANG)
            return r == pid || (r < 0 && errno == ECHILD)
        }
        let deadline = Date().addingTimeInterval(settings.commandTimeout)
        while !reaped() {
            if Date() >= deadline {
                kill(-pid, SIGTERM)
                let grace = Date().addingTimeInterval(1)
                while !reaped() {
                    if Date() >= grace { kill(-pid, SIGKILL); _ = waitpid(pid, &status, 0); break }
                    usleep(20_000)
                }
                logger.warning("alerts: command \(argv[0]) ran past its timeout (\(WallTime.text(seconds: settings.commandTimeout))) and was killed")
                return
            }
            usleep(20_000)
        }
        // exited normally with a non-zero code (status & 0x7f == 0: not by a signal)
        if status & 0x7f == 0, (status >> 8) & 0xff != 0 {
            logger.warning("alerts: command \(argv[0]) exited with status \((status >> 8) & 0xff)")
        }
    }

    /// An executable path: as given when it contains a slash, else looked up in PATH (no shell).
    static func resolve(_ name: String) -> String? {
        let fm = FileManager.default
        if name.contains("/") { return fm.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = (String(dir) as NSString).appendingPathComponent(name)
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
