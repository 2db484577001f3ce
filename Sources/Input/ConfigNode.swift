import Bindings
import Foundation
import PlaneWave
import Yams

/// A parsed YAML document: its root node plus what error messages need (file name, line of every
/// value read, the directory relative paths are resolved against).
public final class ConfigDocument {
    /// The file as named by the user, for messages; nil for in-memory text.
    public let file: String?
    /// Directory against which relative paths in the document (e.g. `structure.poscar`) resolve.
    public let baseDirectory: URL
    let rootNode: Yams.Node?
    /// Line of each YAML path read so far, so engine errors naming a path can point at the file.
    private(set) var lines: [String: Int] = [:]

    /// Parses YAML text. Syntax errors become a `InputError` giving the line.
    public init(yaml: String, file: String? = nil, baseDirectory: URL? = nil) throws {
        self.file = file
        self.baseDirectory = baseDirectory
            ?? file.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        do {
            rootNode = try Yams.compose(yaml: yaml)
        } catch let e as YamlError {
            throw Self.syntaxError(e, file: file)
        } catch {
            throw InputError("", "cannot parse YAML: \(error)", file: file)
        }
    }

    /// Reads and parses a YAML file.
    public convenience init(contentsOf path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read as UTF-8 text" : "no such file"
            throw InputError("", "cannot read config file '\(path)': \(why)")
        }
        try self.init(yaml: text, file: path)
    }

    /// The root value; an empty document is an error.
    public func root() throws -> ConfigNode {
        guard let n = rootNode else { throw InputError("", "the config is empty", file: file) }
        return ConfigNode(n, path: "", document: self)
    }

    func record(_ path: String, _ node: Yams.Node) {
        if let l = node.mark?.line, lines[path] == nil { lines[path] = l }
    }

    /// An error at `path` located at the line of that path (or its nearest recorded parent).
    public func error(_ path: String, _ message: String) -> InputError {
        InputError(path, message, file: file, line: line(of: path))
    }

    /// Adds this document's file and line to an error that lacks them.
    public func locate(_ e: InputError) -> InputError {
        var e = e
        if e.file == nil { e.file = file }
        if e.line == nil { e.line = line(of: e.field) }
        return e
    }

    /// An engine error (whose field is a YAML path below `pathPrefix`) located in this document.
    public func error(from e: InputError, pathPrefix: String = "") -> InputError {
        let path = e.field.hasPrefix(pathPrefix) || pathPrefix.isEmpty ? e.field : "\(pathPrefix).\(e.field)"
        return error(path, e.message)
    }

    /// The line of `path` or of its closest recorded ancestor.
    func line(of path: String) -> Int? {
        var p = path
        while true {
            if let l = lines[p] { return l }
            if p.isEmpty { return nil }
            if p.hasSuffix("]"), let open = p.lastIndex(of: "[") {
                p = String(p[..<open])
            } else if let dot = p.lastIndex(of: ".") {
                p = String(p[..<dot])
            } else {
                p = ""
            }
        }
    }

    private static func syntaxError(_ e: YamlError, file: String?) -> InputError {
        func describe(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> InputError {
            let ctx = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return InputError("", "YAML syntax error at line \(mark.line), column \(mark.column): \(problem)\(ctx)",
                               file: file, line: mark.line)
        }
        switch e {
        case let .scanner(context, problem, mark, _): return describe(context, problem, mark)
        case let .parser(context, problem, mark, _): return describe(context, problem, mark)
        case let .composer(context, problem, mark, _): return describe(context, problem, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return InputError("", "YAML error at line \(context.mark.line): duplicate key \(keys) in one mapping",
                               file: file, line: context.mark.line)
        case let .reader(problem, _, _, _):
            return InputError("", "YAML reader error: \(problem)", file: file)
        default:
            return InputError("", "YAML error: \(String(describing: e).replacingNewlines())", file: file)
        }
    }
}

/// One value of a YAML document with its path (`basis.ecut`, `structure.atoms[1].position`), offering
/// typed accessors that throw `InputError`s naming the path and line.
public struct ConfigNode {
    let node: Yams.Node
    /// Dotted YAML path; "" for the root.
    public let path: String
    public let document: ConfigDocument

    init(_ node: Yams.Node, path: String, document: ConfigDocument) {
        self.node = node
        self.path = path
        self.document = document
        document.record(path, node)
    }

    /// 1-based line of this value.
    public var line: Int? { node.mark?.line }

    /// An error about this value.
    public func error(_ message: String) -> InputError {
        InputError(path, message, file: document.file, line: line ?? document.line(of: path))
    }

    /// Runs `body`, adding this document's file and line to any `InputError` without them (engine
    /// errors name YAML paths as their fields).
    func located<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as InputError {
            var e = e
            if e.file == nil { e.file = document.file }
            if e.line == nil { e.line = e.field == path ? line : document.line(of: e.field) }
            throw e
        }
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: kinds

    public var isNull: Bool {
        guard case let .scalar(s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    var kindName: String {
        switch node {
        case .scalar: isNull ? "null" : "a scalar '\(node.scalar!.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The scalar text (numbers included, as written); lists, mappings and null are errors.
    public func scalar(expected: String = "a value") throws -> String {
        guard case let .scalar(s) = node, !isNull else { throw error("expected \(expected), got \(kindName)") }
        return s.string
    }

    public func string(expected: String = "a string") throws -> String {
        try scalar(expected: expected).trimmingCharacters(in: .whitespaces)
    }

    /// A plain number; also accepts simple fractions `1/4` (for reduced coordinates).
    public func number(expected: String = "a number") throws -> Double {
        let t = try scalar(expected: expected).trimmingCharacters(in: .whitespaces)
        if let v = Double(t), v.isFinite { return v }
        let parts = t.split(separator: "/")
        if parts.count == 2,
           let a = Double(parts[0].trimmingCharacters(in: .whitespaces)),
           let b = Double(parts[1].trimmingCharacters(in: .whitespaces)), b != 0, (a / b).isFinite {
            return a / b
        }
        throw error("'\(t)' is not \(expected)")
    }

    public func integer(expected: String = "an integer") throws -> Int {
        let t = try scalar(expected: expected).trimmingCharacters(in: .whitespaces)
        if let v = Int(t) { return v }
        if let d = Double(t), d.isFinite, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
        throw error("'\(t)' is not \(expected)")
    }

    public func bool() throws -> Bool {
        let t = try scalar(expected: "true or false")
        switch t {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: throw error("'\(t)' is not true or false")
        }
    }

    /// A quantity with a unit (see `Quantity`), in atomic units.
    public func quantity(_ dimension: PhysicalDimension, defaultUnit: String?, allowPerAtom: Bool = false) throws -> Quantity {
        let article = dimension == .energy ? "an" : "a"
        let t = try scalar(expected: "\(article) \(dimension.rawValue) with a unit (\(Quantity.allowedUnits(dimension)))")
        return try located {
            try Quantity.parse(t, dimension, field: path, defaultUnit: defaultUnit, allowPerAtom: allowPerAtom)
        }
    }

    /// An integer triple: "4x4x4", a list [4, 4, 4] or a single integer 4.
    public func integerTriple(minimum: Int = 1, maximum: Int = 1000) throws -> [Int] {
        try located {
            switch node {
            case .sequence:
                let values = try sequence().map { try $0.integer(expected: "an integer") }
                return try IntegerTriple.validate(values, field: path, minimum: minimum, maximum: maximum)
            default:
                let t = try scalar(expected: "three integers (e.g. 4x4x4, [4, 4, 4] or 4)")
                return try IntegerTriple.parse(t, field: path, minimum: minimum, maximum: maximum)
            }
        }
    }

    /// A list of exactly `count` numbers, as SIMD3 when count is 3.
    public func vector3(expected: String = "three numbers") throws -> SIMD3<Double> {
        let items = try sequence(expected: "a list of \(expected)")
        guard items.count == 3 else { throw error("expected \(expected), got \(items.count) value\(items.count == 1 ? "" : "s")") }
        return SIMD3(try items[0].number(), try items[1].number(), try items[2].number())
    }

    public func sequence(expected: String = "a list") throws -> [ConfigNode] {
        guard case let .sequence(seq) = node else { throw error("expected \(expected), got \(kindName)") }
        return seq.enumerated().map { ConfigNode($1, path: "\(path)[\($0)]", document: document) }
    }

    /// This value as a mapping whose keys must all be in `allowed` (an unknown key is an error
    /// naming it and the allowed keys).
    public func mapping(allowed: [String], expected: String? = nil) throws -> ConfigMapping {
        let m = try mapping(expected: expected)
        try m.checkKeys(allowed: allowed)
        return m
    }

    /// This value as a mapping with any keys (e.g. per-element tables).
    public func mapping(expected: String? = nil) throws -> ConfigMapping {
        guard case let .mapping(map) = node else {
            throw error("expected \(expected ?? "a mapping"), got \(kindName)")
        }
        var entries: [(key: String, value: ConfigNode)] = []
        for (k, v) in map {
            guard case let .scalar(ks) = k else {
                throw InputError(path, "mapping keys must be plain names", file: document.file, line: k.mark?.line)
            }
            entries.append((ks.string, ConfigNode(v, path: child(ks.string), document: document)))
        }
        return ConfigMapping(node: self, entries: entries)
    }
}

/// A YAML mapping read through `ConfigNode`.
public struct ConfigMapping {
    public let node: ConfigNode
    public let entries: [(key: String, value: ConfigNode)]

    public var path: String { node.path }
    public var keys: [String] { entries.map(\.key) }

    /// The value at `key`; nil if absent or null.
    public subscript(key: String) -> ConfigNode? {
        guard let v = entries.first(where: { $0.key == key })?.value, !v.isNull else { return nil }
        return v
    }

    public func contains(_ key: String) -> Bool { self[key] != nil }

    /// The value at `key`, or an error "<path>.<key>: is required".
    public func required(_ key: String, _ hint: String = "") throws -> ConfigNode {
        guard let v = self[key] else {
            throw InputError(node.child(key), "is required" + (hint.isEmpty ? "" : " (\(hint))"),
                              file: node.document.file, line: node.line)
        }
        return v
    }

    /// Rejects keys not in `allowed`, suggesting the closest allowed key.
    public func checkKeys(allowed: [String]) throws {
        for (key, value) in entries where !allowed.contains(key) {
            let hint = ConfigMapping.closest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            let where_ = path.isEmpty ? "at the top level" : "in \(path)"
            throw InputError(value.path, "unknown key '\(key)'\(hint); allowed keys \(where_): \(allowed.joined(separator: ", "))",
                              file: node.document.file, line: value.line)
        }
    }

    static func closest(to key: String, in candidates: [String]) -> String? {
        let k = Array(key.lowercased())
        var best: (String, Int)? = nil
        for c in candidates {
            let d = editDistance(k, Array(c.lowercased()))
            if d <= max(1, min(k.count, c.count) / 3), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
