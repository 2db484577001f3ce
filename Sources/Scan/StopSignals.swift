import Foundation
import Doctor
import Reporting
import ParallelSCF
import RunStore
import Convergence
import Input
#if canImport(Glibc)
import Glibc
#endif

/// SIGUSR1 and SIGTERM ask a run to stop cleanly: no new point starts, running SCFs end within
/// their current iteration (`PointLimits`) and are recorded as interrupted, the checkpoint is written and the
/// process exits with `ScanRunner.stoppedExitCode`. Slurm sends SIGUSR1 before a job's time limit
/// (`--signal=B:USR1@…`, forwarded to the ranks by the job script) and SIGTERM at the limit and on
/// `scancel`; mpirun and srun forward both to every rank.
///
/// The handler only writes a byte to a pipe (async-signal-safe); a watcher thread reads it and
/// sets the `StopFlag`, which the runner polls between SCF iterations.
public enum StopSignals {
    /// The signals that stop a run.
    public static let signals: [Int32] = [SIGUSR1, SIGTERM]

    private static let state = State()

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var flags: [StopFlag] = []
        var installed = false
        var received: Int32 = 0
        var announce = false
    }

    /// Write end of the self-pipe (read by the signal handler: set once before the handlers are installed).
    nonisolated(unsafe) private static var pipeWrite: Int32 = -1

    /// Sets `flag` when SIGUSR1 or SIGTERM arrives (every installed flag; idempotent per process).
    /// `announce`: say so on stderr (rank 0).
    public static func install(_ flag: StopFlag, announce: Bool = false) {
        let s = state
        s.lock.lock()
        defer { s.lock.unlock() }
        s.flags.append(flag)
        s.announce = s.announce || announce
        if s.received != 0 { flag.set() }
        guard !s.installed else { return }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        pipeWrite = fds[1]
        let readEnd = fds[0]
        let watcher = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                guard n == 1 else { return }
                s.lock.lock()
                let first = s.received == 0
                s.received = Int32(byte)
                let flags = s.flags, announce = s.announce
                s.lock.unlock()
                for f in flags { f.set() }
                if first && announce {
                    let text = "\(name(Int32(byte))) received: no new point starts; running points stop within their "
                        + "current SCF iteration and are recorded as interrupted; then the checkpoint is written (exit status 3, resumable)\n"
                    FileHandle.standardError.write(Data(text.utf8))
                }
            }
        }
        watcher.name = "preconv-stop-signals"
        watcher.start()
        // a launcher may hand the signals down blocked (the mask survives exec): unblock them here
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in signals { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                let saved = errno
                _ = write(StopSignals.pipeWrite, &byte, 1)
                errno = saved
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
        s.installed = true
    }

    /// The last stop signal received (0 if none), e.g. for the log.
    public static var received: Int32 {
        state.lock.lock(); defer { state.lock.unlock() }
        return state.received
    }

    /// "SIGUSR1", "SIGTERM", …
    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGUSR1: "SIGUSR1"
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(sig)"
        }
    }
}
