import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

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
