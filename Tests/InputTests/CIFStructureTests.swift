import Bindings
import Foundation
import PlaneWave
import Testing
import TestSupport
@testable import Input

/// The CIF fixtures (Tests/Fixtures/cif), each written from published cell parameters.
let cifDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/cif")

func cifPath(_ name: String) -> String { cifDirectory.appendingPathComponent(name).path }

/// A cell written out explicitly (every atom by hand, lengths in Å) and what spglib makes of it.
struct ExplicitCell: Sendable, CustomStringConvertible {
    let file: String
    let vectors: [SIMD3<Double>]   // Å
    let atoms: [Atom]
    /// Atoms of the conventional cell the CIF expands to.
    let conventionalAtoms: Int
    var description: String { file }

    var lattice: Lattice {
        Lattice(vectors[0] * Units.angstrom, vectors[1] * Units.angstrom, vectors[2] * Units.angstrom)
    }
    var types: [Int] {
        let species = Array(Set(atoms.map(\.species))).sorted()
        return atoms.map { species.firstIndex(of: $0.species)! + 1 }
    }
}

let sqrt3 = 3.0.squareRoot()

/// Ga₂O₃ (C2/m, 4i sites (x, 0, z)): the 20 atoms of the conventional cell.
let ga2o3Sites: [(String, Double, Double)] = [("Ga", 0.0904, 0.7948), ("Ga", 0.3414, 0.6857), ("O", 0.1674, 0.1011),
                                             ("O", 0.4957, 0.2553), ("O", 0.8279, 0.4365)]
let ga2o3Atoms: [Atom] = ga2o3Sites.flatMap { s, x, z in
    [SIMD3(x, 0, z), SIMD3(-x, 0, -z), SIMD3(x + 0.5, 0.5, z), SIMD3(0.5 - x, 0.5, -z)].map { Atom(s, $0) }
}
let ga2o3Beta = 103.83 * Double.pi / 180

let explicitCells: [ExplicitCell] = [
    // zincblende: the fcc primitive cell
    ExplicitCell(file: "GaAs-zincblende.cif",
                 vectors: [SIMD3(0, 2.8265, 2.8265), SIMD3(2.8265, 0, 2.8265), SIMD3(2.8265, 2.8265, 0)],
                 atoms: [Atom("Ga", SIMD3(0, 0, 0)), Atom("As", SIMD3(0.25, 0.25, 0.25))], conventionalAtoms: 8),
    // wurtzite: a₁ = a(1/2, −√3/2, 0), a₂ = a(1/2, √3/2, 0), c along z; Ga (1/3, 2/3, 0), (2/3, 1/3, 1/2), N + u c
    ExplicitCell(file: "GaN-wurtzite.cif",
                 vectors: [SIMD3(3.189 / 2, -3.189 * sqrt3 / 2, 0), SIMD3(3.189 / 2, 3.189 * sqrt3 / 2, 0), SIMD3(0, 0, 5.185)],
                 atoms: [Atom("Ga", SIMD3(1.0 / 3, 2.0 / 3, 0)), Atom("Ga", SIMD3(2.0 / 3, 1.0 / 3, 0.5)),
                         Atom("N", SIMD3(1.0 / 3, 2.0 / 3, 0.377)), Atom("N", SIMD3(2.0 / 3, 1.0 / 3, 0.877))],
                 conventionalAtoms: 4),
    // rutile: Ti 2a, O 4f
    ExplicitCell(file: "TiO2-rutile.cif",
                 vectors: [SIMD3(4.594, 0, 0), SIMD3(0, 4.594, 0), SIMD3(0, 0, 2.959)],
                 atoms: [Atom("Ti", SIMD3(0, 0, 0)), Atom("Ti", SIMD3(0.5, 0.5, 0.5)),
                         Atom("O", SIMD3(0.305, 0.305, 0)), Atom("O", SIMD3(0.695, 0.695, 0)),
                         Atom("O", SIMD3(0.805, 0.195, 0.5)), Atom("O", SIMD3(0.195, 0.805, 0.5))],
                 conventionalAtoms: 6),
    // β-Ga₂O₃: the conventional C-centred cell, c in the xz plane at β from a
    ExplicitCell(file: "Ga2O3-beta.cif",
                 vectors: [SIMD3(12.214, 0, 0), SIMD3(0, 3.0371, 0), SIMD3(5.7981 * cos(ga2o3Beta), 0, 5.7981 * sin(ga2o3Beta))],
                 atoms: ga2o3Atoms, conventionalAtoms: 20),
]

@Suite struct CIFStructureTests {
    /// The CIF's primitive cell is spglib's primitive cell of the explicitly written cell: same space
    /// group, atom count, volume and metric (lattice-vector lengths and angles of the primitive cell,
    /// both standardised by spglib), same composition.
    @Test(arguments: explicitCells)
    func primitiveCellMatchesTheExplicitCell(_ e: ExplicitCell) throws {
        let cif = try CIFStructure.read(path: cifPath(e.file))
        #expect(cif.conventional.atoms.count == e.conventionalAtoms, "\(e): \(cif.conventional.atoms.count) atoms expanded")

        let explicit = e.lattice
        let symprec = CIFStructure.symprec
        let group = try #require(Spglib.spaceGroup(lattice: explicit.vectors, positions: e.atoms.map(\.position), types: e.types, symprec: symprec))
        let p = try #require(Spglib.standardizedCell(lattice: explicit.vectors, positions: e.atoms.map(\.position), types: e.types,
                                                     toPrimitive: true, symprec: symprec))
        let primitive = Lattice(p.lattice[0], p.lattice[1], p.lattice[2])

        #expect(cif.spaceGroupNumber == group.number, "\(e): \(cif.spaceGroupNumber) vs \(group.number)")
        #expect(cif.primitive.atoms.count == p.positions.count, "\(e)")
        #expect(abs(cif.primitive.lattice.volume - primitive.volume) < 1e-3 * primitive.volume,
                "\(e): \(cif.primitive.lattice.volume) vs \(primitive.volume) bohr³")
        for i in 0..<3 {
            for j in 0..<3 {
                let g1 = dot(cif.primitive.lattice.vectors[i], cif.primitive.lattice.vectors[j])
                let g2 = dot(primitive.vectors[i], primitive.vectors[j])
                #expect(abs(g1 - g2) < 1e-3 * dot(primitive.vectors[i], primitive.vectors[i]), "\(e): metric G[\(i)][\(j)] \(g1) vs \(g2)")
            }
        }
        for s in Set(e.atoms.map(\.species)) {
            #expect(cif.primitive.atoms.filter { $0.species == s }.count * e.atoms.count
                    == e.atoms.filter { $0.species == s }.count * cif.primitive.atoms.count, "\(e): composition of \(s)")
        }
    }

    /// What the CIF fixes without spglib: the number of atoms per primitive cell and its volume
    /// (conventional volume / centring multiplicity) and the space groups of the four structures.
    @Test func knownPrimitiveCells() throws {
        let a = 5.653 * Units.angstrom
        let gaas = try CIFStructure.read(path: cifPath("GaAs-zincblende.cif"))
        #expect(gaas.spaceGroupNumber == 216 && gaas.primitive.atoms.count == 2)
        #expect(abs(gaas.primitive.lattice.volume - a * a * a / 4) < 1e-9 * a * a * a)
        #expect(abs(gaas.conventional.lattice.volume - a * a * a) < 1e-9 * a * a * a)
        let gan = try CIFStructure.read(path: cifPath("GaN-wurtzite.cif"))
        let vGaN = 3.189 * 3.189 * sqrt3 / 2 * 5.185 * pow(Units.angstrom, 3)
        #expect(gan.spaceGroupNumber == 186 && gan.primitive.atoms.count == 4)
        #expect(abs(gan.primitive.lattice.volume - vGaN) < 1e-6 * vGaN, "\(gan.primitive.lattice.volume) vs \(vGaN)")
        let rutile = try CIFStructure.read(path: cifPath("TiO2-rutile.cif"))
        #expect(rutile.spaceGroupNumber == 136 && rutile.primitive.atoms.count == 6)
        #expect(rutile.primitive.atoms.filter { $0.species == "O" }.count == 4)
        let ga2o3 = try CIFStructure.read(path: cifPath("Ga2O3-beta.cif"))
        let vConv = 12.214 * 3.0371 * 5.7981 * sin(ga2o3Beta) * pow(Units.angstrom, 3)
        #expect(ga2o3.spaceGroupNumber == 12 && ga2o3.primitive.atoms.count == 10)
        #expect(abs(ga2o3.conventional.lattice.volume - vConv) < 1e-9 * vConv)
        #expect(abs(ga2o3.primitive.lattice.volume - vConv / 2) < 1e-4 * vConv)
        // the su in parentheses is not part of the number
        #expect(gaas.cellParameters[0] == 5.653 && rutile.cellParameters == [4.594, 4.594, 2.959, 90, 90, 90])
    }

    /// The standard orientation: a along x, b in the xy plane, angles as given.
    @Test func standardOrientation() throws {
        let gan = try CIFStructure.read(path: cifPath("GaN-wurtzite.cif"))
        let v = gan.conventional.lattice.vectors
        let a = 3.189 * Units.angstrom
        #expect(abs(v[0].x - a) < 1e-12 && v[0].y == 0 && v[0].z == 0)
        #expect(abs(v[1].x + a / 2) < 1e-9 && abs(v[1].y - a * sqrt3 / 2) < 1e-9 && v[1].z == 0)
        #expect(abs(v[2].z - 5.185 * Units.angstrom) < 1e-9 && abs(v[2].x) < 1e-9 && abs(v[2].y) < 1e-9)
    }

    @Test func symmetryOperations() throws {
        let op = try SymmetryOperation(xyz: "-y+1/4, X-y , z+0.5")
        #expect(op.rotation == [[0, -1, 0], [1, -1, 0], [0, 0, 1]])
        #expect(op.translation == SIMD3(0.25, 0, 0.5))
        let op2 = try SymmetryOperation(xyz: "1/2+x,-z,+y-1/3")
        #expect(op2.rotation == [[1, 0, 0], [0, 0, -1], [0, 1, 0]])
        #expect(abs(op2.translation.z + 1.0 / 3) < 1e-15 && op2.translation.x == 0.5)
        #expect(op.apply(SIMD3(0.1, 0.2, 0.3)) == SIMD3(-0.2 + 0.25, 0.1 - 0.2, 0.3 + 0.5))
        for bad in ["x,y,q", "x,y", "x,y,z,x", "x,y,", "x,x,z", "x,y,z+", "2.5x,y,z", "x y,y,z"] {
            #expect(throws: SymmetryOperationError.self, "\(bad)") { try SymmetryOperation(xyz: bad) }
        }
    }

    @Test func elementSymbols() {
        #expect(CIFStructure.elementSymbol("Ga3+") == "Ga")
        #expect(CIFStructure.elementSymbol("O2") == "O")
        #expect(CIFStructure.elementSymbol("Cl1") == "Cl")
        #expect(CIFStructure.elementSymbol("OH1") == "O")
        #expect(CIFStructure.elementSymbol("GA1") == "Ga")
        #expect(CIFStructure.elementSymbol("Xx") == nil)
        #expect(CIFStructure.elementSymbol("12") == nil)
    }

    /// Each broken file: one line naming the file, the item and the problem.
    @Test(arguments: [
        ("partial-occupancy.cif", ["structure.cif: partial-occupancy.cif: _atom_site_occupancy of N1 is 0.5", "partial occupancy"]),
        ("missing-cell-b.cif", ["structure.cif: missing-cell-b.cif: _cell_length_b is missing"]),
        ("bad-symop.cif", ["structure.cif: bad-symop.cif: _space_group_symop_operation_xyz 'x,y,q' (operation 9)", "'q'"]),
    ])
    func brokenFiles(_ file: String, _ expected: [String]) throws {
        do {
            _ = try CIFStructure.read(path: cifPath(file))
            Issue.record("\(file) was accepted")
        } catch let e as InputError {
            let text = e.description
            #expect(!text.contains("\n"))
            for x in expected { #expect(text.contains(x), "\(text)") }
        }
    }

    /// A syntax error names the line; an unknown element names the item.
    @Test func syntaxErrorAndUnknownElement() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gan = try String(contentsOfFile: cifPath("GaN-wurtzite.cif"), encoding: .utf8)
        let broken = dir.appendingPathComponent("syntax.cif")
        try gan.replacingOccurrences(of: "'-y, x-y, z'", with: "'-y, x-y, z").write(to: broken, atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try CIFStructure.read(path: broken.path) }
        do { _ = try CIFStructure.read(path: broken.path) } catch let e as InputError {
            #expect(e.description.contains("syntax.cif: not a readable CIF") && e.description.contains("line"), "\(e)")
        }
        let unknown = dir.appendingPathComponent("unknown.cif")
        try gan.replacingOccurrences(of: "N1   N   b", with: "N1   Qq  b").write(to: unknown, atomically: true, encoding: .utf8)
        do { _ = try CIFStructure.read(path: unknown.path); Issue.record("accepted") } catch let e as InputError {
            #expect(e.description.contains("unknown.cif: _atom_site_type_symbol 'Qq' of N1 is not a chemical element"), "\(e)")
        }
    }

    /// `structure: {cif: FILE}` in a config: the primitive cell is computed, the CIF kept for the records.
    @Test func configReadsACIF() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: cifPath("GaAs-zincblende.cif"), toPath: dir.appendingPathComponent("gaas.cif").path)
        let yaml = baseYAML.replacingOccurrences(of: """
              lattice: {bravais: fcc, a: 5.653 Å}
              atoms:
                - {species: Ga, position: [0, 0, 0]}
                - {species: As, position: [0.25, 0.25, 0.25]}
            """, with: "  cif: gaas.cif")
        #expect(yaml.contains("cif: gaas.cif"))
        let path = dir.appendingPathComponent("gaas.yaml")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        let config = try Config.load(path: path.path)
        #expect(config.crystal.atoms.count == 2)
        #expect(abs(config.crystal.lattice.volume - pow(5.653 * Units.angstrom, 3) / 4) < 1e-6)
        #expect(config.structure.cif?.conventional.atoms.count == 8)
        #expect(abs((config.structure.latticeConstant ?? 0) - 5.653 * Units.angstrom) < 1e-12)
        #expect(config.summary.contains("CIF gaas.cif"), "\(config.summary)")
    }
}
