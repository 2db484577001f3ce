import Foundation

/// A problem in a configuration (YAML file, POSCAR, CLI override), reported with its YAML path:
/// `basis.ecut: -5 Ha must be positive (gaas.yaml, line 12)`.
///
/// `path` is the dotted YAML path of the offending value (`structure.atoms[1].species`), empty for
/// problems with the document as a whole (syntax errors, unreadable file). Every description is one line.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var message: String
    /// The config file (as given), if the problem comes from one.
    public var file: String?
    /// 1-based line in `file`, if known.
    public var line: Int?

    public init(_ path: String, _ message: String, file: String? = nil, line: Int? = nil) {
        self.path = path
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String {
        var s = path.isEmpty ? message : "\(path): \(message)"
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
    func replacingNewlines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
