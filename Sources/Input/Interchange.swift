import Foundation

/// The program's name and version, as `--version`, every file's provenance and the journal's
/// metadata state them.
public enum Program {
    public static let name = "preconv-mpi"
    public static let version = "0.1.0"
    /// "preconv-mpi 0.1.0".
    public static var title: String { "\(name) \(version)" }
}

/// JSON as every file preconv-mpi writes or reads holds it: keys sorted, slashes unescaped, and the
/// non-finite numbers JSON cannot carry as the strings "inf", "-inf" and "nan" (a failed point's
/// energy is never silently a number).
public enum JSONCoding {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// Times as the run files and logs record them: ISO 8601 in UTC with milliseconds,
/// e.g. "2026-12-06T03:49:51.042Z" (so that records finished within a second still order).
public enum Timestamp {
    public static func now() -> String { string(Date()) }

    public static func string(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}
