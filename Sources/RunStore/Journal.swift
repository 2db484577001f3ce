import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

/// One journal line that could not be used.
public struct JournalProblem: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    /// The point's id, when it could still be read.
    public let id: String?
    public var description: String { "journal line \(line): \(reason)\(id.map { " (point \($0))" } ?? "")" }
}

/// Why a journal line cannot be used.
public struct JournalLineError: Error, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The append-only journal: one line per finished point,
/// `{"sha256":"<hex of the record's bytes>","record":{…}}`, flushed and fsync'd per record.
/// A line whose checksum or JSON does not match (torn write, edit, disk error) is reported and ignored.
public final class Journal {
    public let path: String
    private var fd: Int32 = -1

    public init(path: String) { self.path = path }
    deinit { if fd >= 0 { close(fd) } }

    static let encoder = JSONCoding.encoder()
    static let decoder = JSONCoding.decoder()

    /// The journal line of a record.
    public static func line(for record: PointRecord) throws -> String {
        let body = String(decoding: try encoder.encode(record), as: UTF8.self)
        return "{\"sha256\":\"\(sha256Hex(Data(body.utf8)))\",\"record\":\(body)}"
    }

    /// Parses one line: the record, or why not.
    public static func parse(line: Substring) -> Result<PointRecord, JournalLineError> {
        let prefix = "{\"sha256\":\""
        let middle = "\",\"record\":"
        let u = Array(line.utf8)
        let p = Array(prefix.utf8), m = Array(middle.utf8)
        guard u.count > p.count + 64 + m.count + 1, Array(u[0..<p.count]) == p,
              Array(u[(p.count + 64)..<(p.count + 64 + m.count)]) == m, u.last == UInt8(ascii: "}") else {
            return .failure(JournalLineError(u.isEmpty ? "empty line" : "truncated or malformed line (\(u.count) bytes)"))
        }
        let hex = String(decoding: u[p.count..<(p.count + 64)], as: UTF8.self)
        let body = Data(u[(p.count + 64 + m.count)..<(u.count - 1)])
        guard sha256Hex(body) == hex else { return .failure(JournalLineError("checksum mismatch")) }
        do {
            return .success(try decoder.decode(PointRecord.self, from: body))
        } catch {
            return .failure(JournalLineError("checksum matches but the record does not decode: \(error)"))
        }
    }

    /// Every readable record, in file order, and the problems found.
    public static func read(path: String) -> (records: [PointRecord], problems: [JournalProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var records: [PointRecord] = []
        var problems: [JournalProblem] = []
        let text = String(decoding: data, as: UTF8.self)
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            switch parse(line: line) {
            case let .success(r): records.append(r)
            case let .failure(why):
                // name the point if its id is still legible, so that the user knows what is recomputed
                var id: String? = nil
                if let r = line.range(of: "\"id\":\""), let end = line[r.upperBound...].firstIndex(of: "\"") {
                    id = String(line[r.upperBound..<end])
                }
                problems.append(JournalProblem(line: i + 1, reason: why.reason, id: id))
            }
        }
        return (records, problems)
    }

    /// The latest record of every id (file order: later lines win).
    public static func latest(_ records: [PointRecord]) -> [String: PointRecord] {
        var out: [String: PointRecord] = [:]
        for r in records { out[r.id] = r }
        return out
    }

    /// Opens for appending; a torn last line (no final newline) is closed with one so that the next record starts a line.
    public func open() throws {
        fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("cannot open the journal \(path): \(String(cString: strerror(errno)))") }
        if let h = FileHandle(forReadingAtPath: path) {
            defer { try? h.close() }
            let size = (try? h.seekToEnd()) ?? 0
            if size > 0 {
                try? h.seek(toOffset: size - 1)
                if h.readData(ofLength: 1) != Data("\n".utf8) { try write(bytes: Data("\n".utf8)) }
            }
        }
        fsyncDirectory(of: path)
    }

    /// Appends one record and makes it durable. When the line cannot be written whole (ENOSPC, EIO)
    /// the journal is cut back to its previous end, so that it holds whole lines only, and this throws.
    public func append(_ record: PointRecord) throws {
        if fd < 0 { try open() }
        let end = lseek(fd, 0, SEEK_END)
        var full = false
        if let n = Journal.failAfter {
            Journal.appends += 1
            full = Journal.appends > n
        }
        do {
            try write(bytes: Data((try Journal.line(for: record) + "\n").utf8), full: full)
        } catch {
            if end >= 0 { _ = ftruncate(fd, end); _ = fsync(fd) }
            throw error
        }
    }

    /// Test hook `PRECONV_TEST_ENOSPC_AFTER=n`: after n appends by this process, every write of the
    /// journal stores half its bytes and then fails with ENOSPC (a disk that fills up mid-line).
    private static let failAfter = ProcessInfo.processInfo.environment["PRECONV_TEST_ENOSPC_AFTER"].flatMap { Int($0) }
    nonisolated(unsafe) private static var appends = 0

    private func write(bytes: Data, full: Bool = false) throws {
        try bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                if full && off >= raw.count / 2 {
                    errno = ENOSPC
                    throw RunError("cannot write the journal \(path): \(String(cString: strerror(errno)))")
                }
                let n = Glibc.write(fd, raw.baseAddress! + off, full ? raw.count / 2 - off : raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RunError("cannot write the journal \(path): \(String(cString: strerror(errno)))")
                }
                off += n
            }
        }
        guard fsync(fd) == 0 else { throw RunError("cannot fsync the journal \(path): \(String(cString: strerror(errno)))") }
    }
}
