import Bindings
import Foundation
import PlaneWave

/// Cubic Bravais lattices given by their conventional lattice constant a.
public enum Bravais: String, Sendable, CaseIterable {
    /// Face-centred cubic, primitive vectors a/2·(0,1,1), (1,0,1), (1,1,0).
    case fcc
    /// Body-centred cubic, primitive vectors a/2·(−1,1,1), (1,−1,1), (1,1,−1).
    case bcc
    /// Simple cubic (alias `cubic`).
    case sc

    public init?(name: String) {
        switch name.lowercased() {
        case "fcc", "cubic-f", "face-centered-cubic", "face-centred-cubic": self = .fcc
        case "bcc", "cubic-i", "body-centered-cubic", "body-centred-cubic": self = .bcc
        case "sc", "cubic", "simple-cubic", "cubic-p": self = .sc
        default: return nil
        }
    }

    public static let allowedNames = "fcc, bcc, sc (alias cubic)"

    public func lattice(a: Double) -> Lattice {
        switch self {
        case .fcc: .fcc(a)
        case .bcc: .bcc(a)
        case .sc: .cubic(a)
        }
    }
}

/// The structure section of a config, in bohr, before validation as a `Crystal`.
///
/// ```yaml
/// structure:
///   lattice: {bravais: fcc, a: 5.653 Å}            # or vectors: [[…], […], […]] with unit: Å|bohr (a optional)
///   atoms:
///     - {species: Ga, position: [0, 0, 0]}         # reduced coordinates (fractions like 1/4 allowed)
///     - {species: As, position: [0.25, 0.25, 0.25]}
/// # or
/// structure: {poscar: POSCAR, a: 5.653 Å}          # path relative to the config file; a optional
/// # or
/// structure: {cif: gan.cif}                        # path relative to the config file (CIFStructure):
///                                                  # spglib's primitive cell of it is computed
/// ```
public struct StructureSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case bravais(Bravais)
        case vectors
        /// A POSCAR file (path as resolved).
        case poscar(String)
        /// A CIF file (path as resolved).
        case cif(String)
    }

    public var source: Source
    /// Conventional lattice constant (bohr): the `a` of a Bravais lattice, or the optional reference
    /// value given with vectors or a POSCAR (needed to rescale them).
    public var latticeConstant: Double?
    /// Lattice vectors (bohr).
    public var lattice: Lattice
    public var atoms: [Atom]
    /// For a CIF source: the cell the file gives (conventional, all sites expanded), its primitive
    /// cell (`lattice` and `atoms` hold this one) and the space group.
    public var cif: CIFStructure?

    public static let keys = ["lattice", "atoms", "poscar", "cif", "a"]
    public static let latticeKeys = ["bravais", "a", "vectors", "unit"]
    public static let atomKeys = ["species", "position"]
    /// Largest accepted lattice-vector length or lattice constant (bohr): larger is surely a unit mistake.
    public static let maximumLength = 1000.0

    public init(source: Source, latticeConstant: Double?, lattice: Lattice, atoms: [Atom], cif: CIFStructure? = nil) {
        self.source = source
        self.latticeConstant = latticeConstant
        self.lattice = lattice
        self.atoms = atoms
        self.cif = cif
    }

    /// The YAML path of the lattice constant `a` for this source.
    public var latticeConstantPath: String {
        switch source {
        case .poscar: return "structure.a"
        case .cif: return "structure.cif"
        case .bravais, .vectors: return "structure.lattice.a"
        }
    }

    /// The validated crystal. Engine errors name YAML paths (`structure.atoms[1]: …`); for a POSCAR
    /// they are reported under `structure.poscar`.
    public func crystal() throws -> Crystal {
        for (k, v) in lattice.vectors.enumerated() where !(norm(v) <= Self.maximumLength) {
            let field: String
            switch source {
            case .vectors: field = "structure.lattice.vectors[\(k)]"
            case .poscar: field = "structure.poscar"
            case .cif: field = "structure.cif"
            case .bravais: field = "structure.lattice.a"
            }
            throw InputError(field, "lattice vector a\(k + 1) is \(shortNumber(norm(v))) bohr long: implausibly large (maximum \(Int(Self.maximumLength)) bohr); check the unit")
        }
        do {
            return try Crystal(lattice: lattice, atoms: atoms)
        } catch let e as InputError {
            if case let .poscar(path) = source {
                throw InputError("structure.poscar", "\((path as NSString).lastPathComponent): \(e.description)")
            }
            if case let .cif(path) = source {
                throw InputError("structure.cif", "\((path as NSString).lastPathComponent): \(e.description)")
            }
            throw e
        }
    }

    /// The structure rescaled so that its conventional lattice constant is `a` (bohr): a Bravais
    /// lattice is rebuilt with the new a; vectors and POSCAR cells are scaled by a / a_old, which
    /// needs the reference `a` of the config.
    public func rescaled(latticeConstant a: Double, field: String = "structure.lattice.a", text: String? = nil) throws -> StructureSpec {
        let shown = text ?? "\(shortNumber(a / Units.angstrom)) Å"
        guard a.isFinite, a > 0 else { throw InputError(field, "\(shown) must be positive") }
        guard a <= Self.maximumLength else {
            throw InputError(field, "\(shown) is implausibly large (maximum \(Int(Self.maximumLength)) bohr); check the unit")
        }
        var s = self
        switch source {
        case let .bravais(b):
            s.lattice = b.lattice(a: a)
        case .vectors, .poscar, .cif:
            guard let old = latticeConstant else {
                throw InputError(field, "cannot rescale the cell to a = \(shown): the config gives no reference lattice constant (add a: … to \(latticeConstantPath))")
            }
            s.lattice = lattice.scaled(by: a / old)
        }
        s.latticeConstant = a
        return s
    }

    /// Reads the `structure` section; POSCAR and CIF paths resolve against the document's directory.
    /// A CIF's reference lattice constant is its `_cell_length_a`.
    public static func read(_ node: ConfigNode) throws -> StructureSpec {
        let m = try node.mapping(allowed: keys, expected: "a mapping with lattice and atoms, or poscar, or cif")
        if let cifNode = m["cif"] {
            for k in ["lattice", "atoms", "poscar", "a"] where m.contains(k) {
                throw m[k]!.error("cannot be combined with structure.cif (the CIF gives the cell, the atoms and a)")
            }
            let given = try cifNode.string(expected: "a file path")
            let url = given.hasPrefix("/") ? URL(fileURLWithPath: given)
                : node.document.baseDirectory.appendingPathComponent(given)
            let c = try cifNode.located { try CIFStructure.read(path: url.path, field: cifNode.path) }
            return StructureSpec(source: .cif(url.path), latticeConstant: c.cellParameters[0] * Units.angstrom,
                                 lattice: c.primitive.lattice, atoms: c.primitive.atoms, cif: c)
        }
        if let poscar = m["poscar"] {
            for k in ["lattice", "atoms"] where m.contains(k) {
                throw m[k]!.error("cannot be combined with structure.poscar (the POSCAR gives the cell and atoms)")
            }
            let given = try poscar.string(expected: "a file path")
            let url = given.hasPrefix("/") ? URL(fileURLWithPath: given)
                : node.document.baseDirectory.appendingPathComponent(given)
            let p = try poscar.located { try Poscar.read(path: url.path, field: poscar.path) }
            let a = try m["a"].map { try lengthConstant($0, defaultUnit: nil) }
            return StructureSpec(source: .poscar(url.path), latticeConstant: a, lattice: p.lattice, atoms: p.atoms)
        }
        if let a = m["a"] {
            throw a.error("is only used with structure.poscar; give the lattice constant as structure.lattice.a")
        }
        let latticeNode = try m.required("lattice", "bravais and a, or vectors and unit; or use structure.poscar")
        let (source, a, lattice) = try readLattice(latticeNode)
        let atomsNode = try m.required("atoms", "a list of {species, position}")
        let items = try atomsNode.sequence(expected: "a list of atoms {species: …, position: […]}")
        guard !items.isEmpty else { throw atomsNode.error("is empty; give at least one atom") }
        var atoms: [Atom] = []
        for item in items {
            let am = try item.mapping(allowed: atomKeys, expected: "an atom {species: …, position: […]}")
            let speciesNode = try am.required("species", "an element symbol such as Ga")
            let species = try speciesNode.string(expected: "an element symbol")
            guard Elements.atomicNumber(species) != nil else {
                let hint = Elements.symbols.first { $0.lowercased() == species.lowercased() }.map { " (did you mean '\($0)'?)" } ?? ""
                throw speciesNode.error("unknown element '\(species)'\(hint)")
            }
            let position = try am.required("position", "reduced coordinates [x, y, z]").vector3(expected: "three reduced coordinates")
            atoms.append(Atom(species, position))
        }
        return StructureSpec(source: source, latticeConstant: a, lattice: lattice, atoms: atoms)
    }

    static func readLattice(_ node: ConfigNode) throws -> (Source, Double?, Lattice) {
        let m = try node.mapping(allowed: latticeKeys, expected: "a mapping {bravais: fcc, a: 5.653 Å} or {vectors: […], unit: Å}")
        var unit: String? = nil
        if let u = m["unit"] {
            let name = try u.string(expected: "a length unit")
            guard Quantity.units[.length]?[name] != nil else {
                throw u.error("'\(name)' is not a length unit; allowed units: \(Quantity.allowedUnits(.length))")
            }
            unit = name
        }
        let a = try m["a"].map { try lengthConstant($0, defaultUnit: unit) }
        if let b = m["bravais"] {
            let name = try b.string(expected: "a Bravais lattice name")
            guard let bravais = Bravais(name: name) else {
                throw b.error("'\(name)' is not one of \(Bravais.allowedNames); give vectors for other lattices")
            }
            if let v = m["vectors"] { throw v.error("cannot be combined with bravais") }
            guard let a else { throw InputError(m.node.child("a"), "is required with bravais: \(name) (e.g. a: 5.653 Å)", file: node.document.file, line: node.line) }
            return (.bravais(bravais), a, bravais.lattice(a: a))
        }
        guard let v = m["vectors"] else {
            throw node.error("give bravais (fcc, bcc, sc) with a, or three vectors with a unit")
        }
        let rows = try v.sequence(expected: "three lattice vectors [[x, y, z], …]")
        guard rows.count == 3 else { throw v.error("expected three lattice vectors, got \(rows.count)") }
        let vectors = try rows.map { try $0.vector3(expected: "three Cartesian components") }
        guard let unit else {
            throw InputError(m.node.child("unit"), "is required with vectors (one of \(Quantity.allowedUnits(.length)))",
                              file: node.document.file, line: v.line)
        }
        let f = Quantity.units[.length]![unit]!
        return (.vectors, a, Lattice(vectors[0] * f, vectors[1] * f, vectors[2] * f))
    }

    /// A lattice constant: positive, finite and not absurdly large.
    static func lengthConstant(_ node: ConfigNode, defaultUnit: String?) throws -> Double {
        let q = try node.quantity(.length, defaultUnit: defaultUnit)
        guard q.value > 0 else { throw node.error("\(q.text) must be positive") }
        guard q.value <= maximumLength else {
            throw node.error("\(q.text) is implausibly large (maximum \(Int(maximumLength)) bohr); check the unit")
        }
        return q.value
    }
}

public func shortNumber(_ x: Double) -> String {
    String(format: "%.6g", x)
}
