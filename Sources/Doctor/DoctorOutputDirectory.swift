import Foundation
import Parallel

/// Output directory: created if missing, then a probe file is created, written and deleted.
struct OutputDirectoryCheck: DoctorCheck {
    let name = "output-dir"
    let directory: String

    func run(on comm: Communicator) throws -> DoctorResult {
        let path = URL(fileURLWithPath: directory).standardizedFileURL.path
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            try Self.makeDirectory(path)
            try Self.probe(path)
        } catch let error as POSIXFailure {
            return fail(path, "\(error); choose a writable --output-dir")
        }
        return pass(path, existed ? "writable" : "created, writable")
    }

    struct POSIXFailure: Error, CustomStringConvertible {
        let description: String
        init(_ what: String, code: Int32 = errno) { description = "\(what): \(String(cString: strerror(code)))" }
    }

    /// mkdir -p: creates `path` and any missing parents.
    static func makeDirectory(_ path: String) throws {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) == 0 { continue }
            var code = errno
            if code == EEXIST {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) && isDirectory.boolValue {
                    continue
                }
                code = ENOTDIR
            }
            throw POSIXFailure("cannot create directory \(path)", code: code)
        }
    }

    /// Creates, writes, closes and deletes a probe file in `directory`.
    static func probe(_ directory: String) throws {
        let file = directory + "/.preconv-doctor-\(getpid())"
        let fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        guard fd >= 0 else { throw POSIXFailure("cannot create a file in \(directory)") }
        let bytes = Array("preconv-mpi doctor\n".utf8)
        let written = write(fd, bytes, bytes.count)
        let writeFailure = written != bytes.count ? POSIXFailure("cannot write to \(file)") : nil
        let closed = close(fd) == 0
        let closeFailure = closed ? nil : POSIXFailure("cannot write to \(file)")
        let removed = unlink(file) == 0
        if let writeFailure { throw writeFailure }
        if let closeFailure { throw closeFailure }
        if !removed { throw POSIXFailure("cannot delete \(file)") }
    }
}
