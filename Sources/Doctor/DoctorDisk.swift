import Input
import Foundation
import Parallel

/// Disk: free space (statvfs, available to unprivileged users) where the results go.
struct DiskCheck: DoctorCheck {
    let name = "disk"
    let directory: String
    let limit: ByteCount

    func run(on comm: Communicator) throws -> DoctorResult {
        // the directory may not exist yet: measure the file system it will be created on
        let path = Self.nearestExisting(directory)
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else {
            return fail("unknown", "statvfs(\(path)) failed: \(String(cString: strerror(errno)))")
        }
        let free = ByteCount(bytes: Int64(fs.f_bavail) * Int64(fs.f_frsize))
        let value = "\(free) free at \(path) (limit \(limit))"
        guard free >= limit else {
            return fail(value, "less disk space than --disk-limit \(limit): free space or choose another --output-dir")
        }
        return pass(value)
    }

    /// `path` or its closest ancestor that exists.
    static func nearestExisting(_ path: String) -> String {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: url.path) && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.path
    }
}
