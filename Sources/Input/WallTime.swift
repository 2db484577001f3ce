import Foundation

/// Wall times as people read them in progress lines, estimates and refusals.
public enum WallTime {
    /// "0.02 s" below 1 s, "2.5 s" below 10 s, "40 s" below 90 s, "12 min" below 1.5 h, else "3.5 h"; "0 s" for negative or non-finite times.
    public static func text(seconds s: Double) -> String {
        if !s.isFinite || s <= 0 { return "0 s" }
        if s < 1 { return String(format: "%.2g s", s) }
        if s < 10 { return String(format: "%.1f s", s) }
        if s < 90 { return String(format: "%.0f s", s) }
        if s < 5400 { return String(format: "%.0f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }
}
