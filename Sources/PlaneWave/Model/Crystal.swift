import Bindings

/// One atom: its species (element symbol) and reduced position.
public struct Atom: Sendable, Equatable {
    public let species: String
    public let position: SIMD3<Double>
    public init(_ species: String, _ position: SIMD3<Double>) { self.species = species; self.position = position }
}

/// A periodic crystal: lattice (bohr) and atoms at reduced coordinates.
public struct Crystal: Sendable, Equatable {
    public let lattice: Lattice
    public let atoms: [Atom]

    /// Minimum allowed distance between two atoms (0.5 Å).
    public static let minimumDistance = 0.5 * Units.angstrom

    /// Validates: positive volume, known species, no two atoms (or periodic images) closer than 0.5 Å.
    public init(lattice: Lattice, atoms: [Atom]) throws {
        let det = dot(lattice.vectors[0], cross(lattice.vectors[1], lattice.vectors[2]))
        guard det.isFinite, abs(det) > 1e-8 else {
            throw InputError("structure.lattice", "the lattice vectors span no volume (det = \(det))")
        }
        guard det > 0 else {
            throw InputError("structure.lattice", "the lattice vectors are left-handed (det = \(det) bohr³); swap two of them")
        }
        guard !atoms.isEmpty else { throw InputError("structure.atoms", "no atoms given") }
        for (i, a) in atoms.enumerated() {
            guard Elements.atomicNumber(a.species) != nil else {
                throw InputError("structure.atoms[\(i)].species", "unknown element '\(a.species)'")
            }
            guard a.position.x.isFinite, a.position.y.isFinite, a.position.z.isFinite else {
                throw InputError("structure.atoms[\(i)].position", "is not a finite number")
            }
        }
        self.lattice = lattice
        self.atoms = atoms
        if let (i, j, d) = closestPair(), d < Self.minimumDistance {
            throw InputError("structure.atoms[\(j)]",
                             "atoms \(i) and \(j) are \(String(format3(d / Units.angstrom))) Å apart (minimum 0.5 Å)")
        }
    }

    /// The closest pair of atoms including periodic images (i ≤ j), with their distance in bohr.
    public func closestPair() -> (Int, Int, Double)? {
        var best: (Int, Int, Double)? = nil
        for i in atoms.indices {
            for j in i..<atoms.count {
                let d0 = atoms[j].position - atoms[i].position
                for n1 in -1...1 { for n2 in -1...1 { for n3 in -1...1 {
                    if i == j && n1 == 0 && n2 == 0 && n3 == 0 { continue }
                    let d = d0 - (d0).rounded(.toNearestOrEven) + SIMD3(Double(n1), Double(n2), Double(n3))
                    let r = norm(lattice.cartesian(reduced: d))
                    if best == nil || r < best!.2 { best = (i, j, r) }
                } } }
            }
        }
        return best
    }

    /// Distinct species in order of first appearance.
    public var species: [String] {
        var seen: [String] = []
        for a in atoms where !seen.contains(a.species) { seen.append(a.species) }
        return seen
    }

    /// Zincblende (e.g. GaAs): FCC primitive cell, `first` at (0,0,0), `second` at (¼,¼,¼).
    public static func zincblende(_ first: String, _ second: String, a: Double) throws -> Crystal {
        try Crystal(lattice: .fcc(a), atoms: [Atom(first, .zero), Atom(second, SIMD3(repeating: 0.25))])
    }
}

func format3(_ x: Double) -> String {
    let r = (x * 1000).rounded() / 1000
    return "\(r)"
}
