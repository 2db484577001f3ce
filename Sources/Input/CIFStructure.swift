import Bindings
import Foundation
import PlaneWave

/// A crystal structure read from a CIF file (the COMCIFS CIF API parses the file, `CIFFile`): the
/// cell from `_cell_length_a/b/c` (Å) and `_cell_angle_alpha/beta/gamma` (degrees), the symmetry
/// operations from `_space_group_symop_operation_xyz` or `_symmetry_equiv_pos_as_xyz`, and the
/// asymmetric unit from the `_atom_site_` loop (element from `_atom_site_type_symbol`, else from
/// `_atom_site_label`; `_atom_site_fract_x/y/z`; `_atom_site_occupancy` must be 1).
///
/// The asymmetric unit is expanded with every operation, positions wrapped into [0, 1) and images
/// closer than `siteTolerance` merged: that is the `conventional` cell as the file gives it, with a
/// along x, b in the xy plane and c completing a right-handed set (the standard crystallographic
/// orientation). `primitive` is spglib's standardised primitive cell of it (`Spglib.standardizedCell`,
/// positions symmetrised at `symprec`), the cell that is computed.
public struct CIFStructure: Sendable, Equatable {
    /// The block read (the first with a `_cell_length_a`).
    public let blockName: String
    /// Lattice vectors (bohr) and atoms of the cell as the file gives it, all sites expanded.
    public let conventional: Crystal
    /// spglib's primitive cell of `conventional` (bohr).
    public let primitive: Crystal
    /// Space group found by spglib in `conventional` at `symprec`, e.g. (186, "P6_3mc").
    public let spaceGroupNumber: Int
    public let spaceGroupSymbol: String
    /// Cell parameters as read: a, b, c (Å), α, β, γ (degrees).
    public let cellParameters: [Double]

    /// Distance (bohr) below which two expanded sites are one (0.01 Å): CIF coordinates carry four or
    /// five digits, so images of one site differ by up to about 1e-4 × |a|.
    public static let siteTolerance = 0.01 * Units.angstrom
    /// spglib's tolerance (bohr) for finding the symmetry and the primitive cell (0.01 Å, for the same reason).
    public static let symprec = 0.01 * Units.angstrom

    /// Reads `path`; every problem is an `InputError` under `field` whose message starts with the
    /// file name and names the CIF item: `structure.cif: gan.cif: _atom_site_occupancy of Ga1 is 0.5; …`.
    public static func read(path: String, field: String = "structure.cif") throws -> CIFStructure {
        let name = (path as NSString).lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError(field, "cannot read CIF '\(path)': no such file")
        }
        let blocks = try CIFFile.read(path: path, field: field)
        func fail(_ message: String) -> InputError { InputError(field, "\(name): \(message)") }
        guard let block = blocks.first(where: { $0.values("_cell_length_a") != nil }) ?? blocks.first else {
            throw fail("no data block")
        }

        // cell parameters
        var cell: [Double] = []
        for item in ["_cell_length_a", "_cell_length_b", "_cell_length_c", "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"] {
            guard let v = block.values(item) else { throw fail("\(item) is missing (data_\(block.name))") }
            guard v.count == 1, let x = v[0].number else {
                throw fail("\(item) '\(v.map(\.text).joined(separator: " "))' is not a number")
            }
            let isLength = item.hasPrefix("_cell_length")
            guard x > 0, isLength || x < 180 else {
                throw fail("\(item) \(v[0].text) must be \(isLength ? "a positive length in Å" : "an angle between 0 and 180 degrees")")
            }
            cell.append(x)
        }
        let lattice = try standardLattice(cell, fail: fail)

        // symmetry operations
        var operations: [SymmetryOperation] = []
        let opItem = ["_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"].first { block.values($0) != nil }
        if let opItem {
            for (k, v) in block.values(opItem)!.enumerated() {
                do { operations.append(try SymmetryOperation(xyz: v.text)) } catch {
                    throw fail("\(opItem) '\(v.text)' (operation \(k + 1)) \(error.description)")
                }
            }
        } else {
            let hm = ["_space_group_name_h-m_alt", "_symmetry_space_group_name_h-m"].compactMap { block.value($0)?.text }.first
            if let hm, hm.filter({ !$0.isWhitespace }).uppercased() != "P1" {
                throw fail("gives the space group '\(hm)' but no symmetry operations; add the _space_group_symop_operation_xyz loop")
            }
            operations = [SymmetryOperation(rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], translation: .zero)]
        }

        // asymmetric unit
        guard let xs = block.values("_atom_site_fract_x"), let ys = block.values("_atom_site_fract_y"),
              let zs = block.values("_atom_site_fract_z") else {
            let missing = ["_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"].first { block.values($0) == nil }!
            throw fail("\(missing) is missing: give the atom sites in fractional coordinates")
        }
        let labels = block.values("_atom_site_label")
        let symbols = block.values("_atom_site_type_symbol")
        let occupancies = block.values("_atom_site_occupancy")
        var sites: [Atom] = []
        for i in 0..<xs.count {
            let label = labels.map { $0[i].text } ?? "site \(i + 1)"
            let element: String
            if let symbols {
                guard let e = elementSymbol(symbols[i].text) else {
                    throw fail("_atom_site_type_symbol '\(symbols[i].text)' of \(label) is not a chemical element")
                }
                element = e
            } else if let labels {
                guard let e = elementSymbol(labels[i].text) else {
                    throw fail("_atom_site_label '\(labels[i].text)' does not start with a chemical element (add _atom_site_type_symbol)")
                }
                element = e
            } else {
                throw fail("the atom sites have neither _atom_site_type_symbol nor _atom_site_label")
            }
            if let occupancies {
                let o = occupancies[i]
                if o != .unknown, o != .inapplicable {
                    guard let x = o.number else { throw fail("_atom_site_occupancy '\(o.text)' of \(label) is not a number") }
                    guard abs(x - 1) < 1e-6 else {
                        throw fail("_atom_site_occupancy of \(label) is \(o.text); only fully occupied sites (1) are supported, partial occupancy (disorder) is not")
                    }
                }
            }
            var x = SIMD3<Double>()
            for (c, column) in [("_atom_site_fract_x", xs), ("_atom_site_fract_y", ys), ("_atom_site_fract_z", zs)].enumerated() {
                guard let v = column.1[i].number else {
                    throw fail("\(column.0) '\(column.1[i].text)' of \(label) is not a number")
                }
                x[c] = v
            }
            sites.append(Atom(element, x))
        }
        guard !sites.isEmpty else { throw fail("the _atom_site_ loop has no sites") }

        // expansion: every image of every site, wrapped and merged
        var atoms: [Atom] = []
        for site in sites {
            for op in operations {
                let x = wrapped(op.apply(site.position))
                if let j = atoms.firstIndex(where: { periodicDistance($0.position, x, lattice) < siteTolerance }) {
                    guard atoms[j].species == site.species else {
                        throw fail("sites of \(atoms[j].species) and \(site.species) coincide at (\(coordinates(x))) after applying the symmetry operations")
                    }
                    continue
                }
                atoms.append(Atom(site.species, x))
            }
        }
        let conventional: Crystal
        do { conventional = try Crystal(lattice: lattice, atoms: atoms) } catch let e as InputError {
            throw fail("the expanded cell is not valid: \(e.description)")
        }

        // spglib's primitive cell
        let species = conventional.species
        let types = atoms.map { species.firstIndex(of: $0.species)! + 1 }
        guard let group = Spglib.spaceGroup(lattice: lattice.vectors, positions: atoms.map(\.position), types: types, symprec: symprec),
              let p = Spglib.standardizedCell(lattice: lattice.vectors, positions: atoms.map(\.position), types: types,
                                              toPrimitive: true, idealize: true, symprec: symprec) else {
            throw fail("spglib finds no space group for the expanded cell (tolerance 0.01 Å)")
        }
        let primitive = try Crystal(lattice: Lattice(p.lattice[0], p.lattice[1], p.lattice[2]),
                                    atoms: zip(p.positions, p.types).map { Atom(species[$0.1 - 1], $0.0) })
        return CIFStructure(blockName: block.name, conventional: conventional, primitive: primitive,
                            spaceGroupNumber: group.number, spaceGroupSymbol: group.international, cellParameters: cell)
    }

    /// a = a x̂, b = b (cos γ, sin γ, 0), c = c (cos β, (cos α − cos β cos γ)/sin γ, √(1 − cx² − cy²))
    /// (bohr); parameters in Å and degrees.
    static func standardLattice(_ p: [Double], fail: (String) -> InputError) throws -> Lattice {
        let (a, b, c) = (p[0] * Units.angstrom, p[1] * Units.angstrom, p[2] * Units.angstrom)
        let (alpha, beta, gamma) = (p[3] * .pi / 180, p[4] * .pi / 180, p[5] * .pi / 180)
        let cx = cos(beta)
        let cy = (cos(alpha) - cos(beta) * cos(gamma)) / sin(gamma)
        let cz2 = 1 - cx * cx - cy * cy
        guard cz2 > 1e-8 else {
            throw fail("the cell angles α = \(p[3])°, β = \(p[4])°, γ = \(p[5])° (_cell_angle_alpha/beta/gamma) do not form a cell")
        }
        return Lattice(SIMD3(a, 0, 0), SIMD3(b * cos(gamma), b * sin(gamma), 0), c * SIMD3(cx, cy, cz2.squareRoot()))
    }

    /// The element of a CIF type symbol or label, from its leading letters: "Ga3+" → Ga, "O2" → O,
    /// "Cl1" → Cl; a second capital letter ("OH1", "GA1") is read as a second letter only when the
    /// first alone is no element.
    static func elementSymbol(_ text: String) -> String? {
        let letters = Array(text.prefix { $0.isLetter })
        guard let first = letters.first else { return nil }
        let one = first.uppercased()
        if letters.count >= 2 {
            let two = one + letters[1].lowercased()
            if letters[1].isLowercase, Elements.atomicNumber(two) != nil { return two }
            if Elements.atomicNumber(one) == nil, Elements.atomicNumber(two) != nil { return two }
        }
        return Elements.atomicNumber(one) != nil ? one : nil
    }

    static func wrapped(_ x: SIMD3<Double>) -> SIMD3<Double> {
        var y = x - x.rounded(.down)
        for i in 0..<3 where y[i] > 1 - 1e-12 { y[i] = 0 }
        return y
    }

    /// Shortest distance (bohr) between x and the lattice images of y (reduced coordinates).
    static func periodicDistance(_ x: SIMD3<Double>, _ y: SIMD3<Double>, _ lattice: Lattice) -> Double {
        let d = x - y
        let d0 = d - d.rounded(.toNearestOrAwayFromZero)
        var best = Double.infinity
        for i in -1...1 { for j in -1...1 { for k in -1...1 {
            best = min(best, norm(lattice.cartesian(reduced: d0 + SIMD3(Double(i), Double(j), Double(k)))))
        } } }
        return best
    }

    static func coordinates(_ x: SIMD3<Double>) -> String {
        String(format: "%.4f, %.4f, %.4f", x.x, x.y, x.z)
    }
}

/// The two cells of a CIF structure as recorded in `metadata.json`, `analysis.json` and the report:
/// the cell the file gives (all sites expanded) and the primitive cell that is computed.
public struct CIFCellsRecord: Codable, Sendable, Equatable {
    public struct Cell: Codable, Sendable, Equatable {
        /// Lattice vectors (bohr), one per row.
        public let lattice_vectors_bohr: [[Double]]
        public let volume_bohr3: Double
        /// Species and reduced coordinates.
        public let atoms: [String]

        init(_ c: Crystal) {
            lattice_vectors_bohr = c.lattice.vectors.map { [$0.x, $0.y, $0.z] }
            volume_bohr3 = c.lattice.volume
            atoms = c.atoms.map { String(format: "%@ %.6f %.6f %.6f", $0.species, $0.position.x, $0.position.y, $0.position.z) }
        }
    }
    public let file: String
    public let block: String
    /// spglib's space group of the input cell, e.g. "P6_3mc (186)".
    public let space_group: String
    /// a, b, c (Å), α, β, γ (degrees) as given in the file.
    public let cell_parameters: [Double]
    public let input_cell: Cell
    public let primitive_cell: Cell

    public init(_ s: CIFStructure, file: String) {
        self.file = file
        block = s.blockName
        space_group = "\(s.spaceGroupSymbol) (\(s.spaceGroupNumber))"
        cell_parameters = s.cellParameters
        input_cell = Cell(s.conventional)
        primitive_cell = Cell(s.primitive)
    }

    /// "gan.cif: P6_3mc (186), a b c = 3.189 3.189 5.185 Å, α β γ = 90 90 120°, 4 atoms (input cell, 301.2 bohr³)".
    public var inputText: String {
        let p = cell_parameters.map { shortNumber($0) }
        return "\(file) (data_\(block)): \(space_group), a b c = \(p[0]) \(p[1]) \(p[2]) Å, α β γ = \(p[3]) \(p[4]) \(p[5])°, "
            + "\(input_cell.atoms.count) atoms, \(String(format: "%.4f", input_cell.volume_bohr3)) bohr³"
    }
    /// "4 atoms, 301.2 bohr³, a₁ = (…), a₂ = (…), a₃ = (…) bohr".
    public var primitiveText: String {
        let v = primitive_cell.lattice_vectors_bohr.enumerated().map { i, r in
            "a\(i + 1) = (\(r.map { String(format: "%.6f", $0) }.joined(separator: ", ")))"
        }.joined(separator: ", ")
        return "\(primitive_cell.atoms.count) atoms, \(String(format: "%.4f", primitive_cell.volume_bohr3)) bohr³, \(v) bohr"
    }
}

extension StructureSpec {
    /// The CIF's two cells for the records; nil for other sources.
    public var cifRecord: CIFCellsRecord? {
        guard case let .cif(path) = source, let cif else { return nil }
        return CIFCellsRecord(cif, file: path)
    }
}
