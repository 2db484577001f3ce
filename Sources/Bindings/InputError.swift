/// Bad user input, the one error type for it in every layer: a config value, an option, a structure
/// file or a run directory that cannot be used. It names the offending field — a YAML path
/// (`structure.atoms[1].species`), an option (`scalapack-grid`), or empty for the input as a whole —
/// and, when known, the file and line: `basis.ecut: -5 Ha must be positive (gaas.yaml, line 12)`.
/// Every description is one line. The CLI prints `error: <description>` on rank 0 and exits with
/// status 2; every rank sees the same input, so every rank throws it alike.
///
/// It lives in the lowest Swift layer because the engine (`PlaneWave`), the parallel layer (grid
/// shapes) and the input readers all reject input, and none may depend on the layers above it.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var field: String
    public var message: String
    /// The input file (as given), if the problem comes from one.
    public var file: String?
    /// 1-based line in `file`, if known.
    public var line: Int?

    /// A problem with the input as a whole (no single field).
    public init(_ message: String) { self.init("", message) }

    public init(_ field: String, _ message: String, file: String? = nil, line: Int? = nil) {
        self.field = field
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String {
        var s = field.isEmpty ? message : "\(field): \(message)"
        switch (file, line) {
        case let (f?, l?): s += " (\(f), line \(l))"
        case let (f?, nil): s += " (\(f))"
        case let (nil, l?): s += " (line \(l))"
        case (nil, nil): break
        }
        return s.replacingNewlines()
    }
}

extension String {
    /// Joins the lines of a multi-line message with "; " so that an error stays on one line.
    public func replacingNewlines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
