import Bindings
import Foundation

/// A pseudopotential choice such as `GTH-PBE-q3`: a family and, optionally, a valence charge.
///
/// Families are "GTH-PBE" and "GTH-PADE" (alias "GTH-LDA"), matched case-insensitively and stored
/// under their canonical name. Without a valence the family's default entry is meant (the entry that
/// carries the bare family name as an alias in CP2K's file, e.g. "As GTH-PBE" = GTH-PBE-q5).
public struct PseudopotentialSpec: Sendable, Hashable, CustomStringConvertible {
    /// Canonical family name, "GTH-PBE" or "GTH-PADE".
    public let family: String
    /// Valence charge Z_ion (the `qN` suffix), or nil for the family default.
    public let valence: Int?

    /// Canonical family names.
    public static let families = ["GTH-PBE", "GTH-PADE"]
    /// Accepted spellings (upper-cased) → canonical family.
    static let familyAliases: [String: String] = ["GTH-PBE": "GTH-PBE", "GTH-PADE": "GTH-PADE", "GTH-LDA": "GTH-PADE"]
    /// For messages: "GTH-PBE, GTH-PADE (alias GTH-LDA)".
    public static let familyList = "GTH-PBE, GTH-PADE (alias GTH-LDA)"

    /// The canonical name of a family spelling, or nil if unknown.
    public static func canonicalFamily(_ name: String) -> String? {
        familyAliases[name.uppercased()]
    }

    /// `family` must be a known family name (any accepted spelling); `field` names the input for errors.
    public init(family: String, valence: Int? = nil, field: String = "pseudopotentials.family") throws {
        guard let canonical = Self.canonicalFamily(family) else {
            throw InputError(field, "unknown pseudopotential family '\(family)'; known families: \(Self.familyList)")
        }
        if let v = valence, v < 1 {
            throw InputError(field, "valence must be a positive integer, got \(v)")
        }
        self.family = canonical
        self.valence = valence
    }

    /// Parses "GTH-PBE-q3", "gth-lda-q4" or a bare family "GTH-PBE".
    public init(parsing text: String, field: String = "pseudopotential") throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if Self.canonicalFamily(t) != nil {
            try self.init(family: t, valence: nil, field: field)
            return
        }
        // FAMILY-qN
        if let dash = t.lastIndex(of: "-"), Self.canonicalFamily(String(t[..<dash])) != nil {
            let suffix = t[t.index(after: dash)...]
            if let q = suffix.first, q == "q" || q == "Q", let v = Int(suffix.dropFirst()), v >= 1 {
                try self.init(family: String(t[..<dash]), valence: v, field: field)
                return
            }
            throw InputError(field, "'\(text)': expected a valence suffix like '-q3' after the family name")
        }
        throw InputError(field, "'\(text)' is not a pseudopotential name like GTH-PBE-q3 (families: \(Self.familyList))")
    }

    /// "GTH-PBE-q3", or the bare family when no valence is given.
    public var description: String { valence.map { "\(family)-q\($0)" } ?? family }
}

/// The shipped GTH pseudopotential tables (`GTHTables.text`, CP2K's GTH-PBE and GTH-PADE entries),
/// parsed once on first use and indexed by element, family and valence.
public struct PseudopotentialLibrary: Sendable {
    /// All entries keyed as by `GTHPseudopotential.parseLibrary` ("Ga GTH-PBE-q3", "Ga GTH-LDA-q3", …).
    public let entries: [String: GTHPseudopotential]
    /// element → canonical family → valence → entry.
    private let index: [String: [String: [Int: GTHPseudopotential]]]
    /// element → canonical family → default valence.
    private let defaults: [String: [String: Int]]

    /// The library of shipped tables, parsed lazily (and once) on first access.
    public static let shared: PseudopotentialLibrary = {
        do { return try PseudopotentialLibrary(text: GTHTables.text) } catch {
            preconditionFailure("the shipped GTH tables do not parse: \(error)")
        }
    }()

    /// Parses a CP2K `GTH_POTENTIALS` text; entries of families other than GTH-PBE/GTH-PADE are kept
    /// in `entries` but cannot be looked up by family.
    public init(text: String) throws {
        entries = try GTHPseudopotential.parseLibrary(text)
        var index: [String: [String: [Int: GTHPseudopotential]]] = [:]
        var defaults: [String: [String: Int]] = [:]
        for (key, pp) in entries {
            let parts = key.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let alias = String(parts[1])
            // Index by the entry's own name (aliases such as GTH-LDA-qN point at the same entry).
            if alias == pp.name, let spec = try? PseudopotentialSpec(parsing: pp.name), let v = spec.valence {
                index[pp.element, default: [:]][spec.family, default: [:]][v] = pp
            }
            // A bare family alias marks the family default.
            if let family = PseudopotentialSpec.canonicalFamily(alias),
               let spec = try? PseudopotentialSpec(parsing: pp.name), spec.family == family, let v = spec.valence {
                defaults[pp.element, default: [:]][family] = v
            }
        }
        self.index = index
        self.defaults = defaults
    }

    /// Every distinct entry (aliases folded), sorted by element, family and valence.
    public var allPseudopotentials: [GTHPseudopotential] {
        var seen = Set<String>()
        var list: [GTHPseudopotential] = []
        for pp in entries.values where seen.insert("\(pp.element) \(pp.name)").inserted { list.append(pp) }
        return list.sorted { ($0.element, $0.name) < ($1.element, $1.name) }
    }

    /// Valences available for an element in a family (any accepted family spelling), ascending.
    public func valences(element: String, family: String) -> [Int] {
        guard let f = PseudopotentialSpec.canonicalFamily(family) else { return [] }
        return index[element]?[f]?.keys.sorted() ?? []
    }

    /// The family default valence of an element (CP2K's bare-family alias), if any.
    public func defaultValence(element: String, family: String) -> Int? {
        guard let f = PseudopotentialSpec.canonicalFamily(family) else { return nil }
        return defaults[element]?[f]
    }

    /// The pseudopotential for `element` in `family` ("GTH-PBE", "GTH-PADE" or "GTH-LDA") with
    /// valence `valence` (e.g. 3 → GTH-PBE-q3), or the family default when `valence` is nil.
    /// Throws `InputError(field, …)` listing the valences that exist when there is no such entry.
    public func lookup(element: String, family: String, valence: Int?, field: String = "pseudopotentials") throws -> GTHPseudopotential {
        let spec = try PseudopotentialSpec(family: family, valence: valence, field: field)
        return try lookup(element: element, spec: spec, field: field)
    }

    /// The pseudopotential for `element` named by `spec`.
    public func lookup(element: String, spec: PseudopotentialSpec, field: String = "pseudopotentials") throws -> GTHPseudopotential {
        let available = valences(element: element, family: spec.family)
        let list = available.map { "q\($0)" }.joined(separator: ", ")
        guard !available.isEmpty else {
            let what = Elements.atomicNumber(element) == nil ? "unknown element '\(element)'" : "no \(spec.family) pseudopotential exists for \(element)"
            throw InputError(field, what)
        }
        let v: Int
        if let given = spec.valence {
            v = given
        } else {
            guard let d = defaultValence(element: element, family: spec.family) else {
                throw InputError(field, "\(spec.family) has no default for \(element); choose a valence (available: \(list))")
            }
            v = d
        }
        guard let pp = index[element]?[spec.family]?[v] else {
            throw InputError(field, "no \(spec.family)-q\(v) pseudopotential for \(element); available valences: \(list)")
        }
        return pp
    }

    /// The pseudopotential for `element` named by a string such as "GTH-PBE-q3" or "GTH-PBE".
    public func lookup(element: String, spec text: String, field: String = "pseudopotentials") throws -> GTHPseudopotential {
        try lookup(element: element, spec: PseudopotentialSpec(parsing: text, field: field), field: field)
    }
}

