import Bindings
import Foundation

/// A number of bytes, parsed from text such as `16GiB`, `512 MiB`, `2G`, `1.5TB` or `4096`.
///
/// Binary units (KiB, MiB, GiB, TiB; also K, M, G, T) are powers of 1024, decimal units
/// (kB, MB, GB, TB) powers of 1000. Case-insensitive apart from that distinction, which
/// follows the spelling: a trailing `iB` or a bare letter means binary.
public struct ByteCount: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static func gibibytes(_ n: Double) -> ByteCount { ByteCount(bytes: Int64(n * 1_073_741_824)) }

    /// Parses `text`; throws `InputError` for anything that is not a non-negative size.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let numberEnd = t.firstIndex { !($0.isNumber || $0 == ".") } ?? t.endIndex
        let unit = t[numberEnd...].trimmingCharacters(in: .whitespaces).lowercased()
        guard let value = Double(t[..<numberEnd]), value >= 0, value.isFinite,
              let scale = Self.scales[unit]
        else { throw InputError("'\(text)' is not a size (examples: 16GiB, 512MiB, 2GB, 4096)") }
        let b = value * scale
        guard b < 9.0e18 else { throw InputError("size '\(text)' is too large") }
        bytes = Int64(b.rounded())
    }

    private static let scales: [String: Double] = {
        var s: [String: Double] = ["": 1, "b": 1]
        for (i, p) in ["k", "m", "g", "t"].enumerated() {
            let binary = pow(1024.0, Double(i + 1)), decimal = pow(1000.0, Double(i + 1))
            s[p] = binary; s[p + "i"] = binary; s[p + "ib"] = binary; s[p + "b"] = decimal
        }
        return s
    }()

    /// Human-readable, binary units: `15.8 GiB`.
    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = Double(bytes), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(bytes) B" : String(format: "%.1f %@", v, units[u])
    }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.bytes < b.bytes }
}
