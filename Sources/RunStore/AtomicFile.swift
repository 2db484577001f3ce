import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

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
