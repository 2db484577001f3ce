import Bindings

/// A process-grid shape, rows × columns, parsed from `2x4` (or `2×4`).
public struct GridShape: Sendable, Hashable, CustomStringConvertible {
    public let rows: Int
    public let cols: Int

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
    }

    public init(parsing text: String) throws {
        let parts = text.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" })
        guard parts.count == 2, let r = Int(parts[0]), let c = Int(parts[1]), r > 0, c > 0 else {
            throw InputError("'\(text)' is not a grid shape (example: 2x2)")
        }
        self.init(rows: r, cols: c)
    }

    public var count: Int { rows * cols }
    public var description: String { "\(rows)x\(cols)" }
}
