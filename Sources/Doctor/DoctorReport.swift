import Foundation
import Input

/// Renders doctor results as an aligned table or as JSON lines.
public enum DoctorReport {
    /// One JSON object per result and line, keys `name`, `status`, `value`, `message`.
    public static func jsonLines(_ results: [DoctorResult]) -> String {
        let encoder = JSONCoding.encoder()
        return results.map { r in
            String(decoding: (try? encoder.encode(r)) ?? Data(), as: UTF8.self)
        }.joined(separator: "\n")
    }

    /// Columns name, status, value, message; a summary line after the rows.
    public static func table(_ results: [DoctorResult], seconds: Double? = nil) -> String {
        let header = ["CHECK", "STATUS", "VALUE", "MESSAGE"]
        let rows = [header] + results.map { [$0.name, $0.status.rawValue, $0.value, $0.message] }
        let widths = (0..<3).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            (0..<3).map { c in row[c] + String(repeating: " ", count: widths[c] - row[c].count) }
                .joined(separator: "  ") + (row[3].isEmpty ? "" : "  " + row[3])
        }.map { $0.trimmingTrailingSpaces() }
        let counts = [DoctorStatus.pass, .warn, .fail].map { s in "\(results.filter { $0.status == s }.count) \(s.rawValue)" }
        var summary = "\(results.count) checks: " + counts.joined(separator: ", ")
        if let seconds { summary += String(format: " (%.2f s)", seconds) }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
