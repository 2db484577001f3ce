import Foundation
import Testing
import PlaneWave
@testable import Convergence

/// The crystal system, space group and conventional cell parameters of `recommended.json`'s
/// `crystal`, on cells whose answer is known by construction.
@Suite struct CrystalDescriptionTests {
    typealias Atom = SystemDescription.AtomEntry

    @Test func zincblendeGaAsIsCubicWithTheConventionalLatticeConstant() throws {
        let a = 5.653 * Units.angstrom
        let fcc = [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]]
        let c = try #require(CrystalDescription(latticeVectorsBohr: fcc, atoms: [Atom(species: "Ga", position: [0, 0, 0]),
                                                                             Atom(species: "As", position: [0.25, 0.25, 0.25])]))
        #expect(c.crystal_system == "cubic" && c.space_group_number == 216 && c.space_group_symbol == "F-43m")
        // the conventional cube, not the primitive vectors (a/√2 = 3.997 Å, 60°)
        for x in [c.a_angstrom, c.b_angstrom, c.c_angstrom] { #expect(abs(x - 5.653) < 1e-9) }
        for x in [c.alpha_deg, c.beta_deg, c.gamma_deg] { #expect(abs(x - 90) < 1e-9) }
        #expect(abs(c.c_over_a - 1) < 1e-12)
        #expect(CrystalDescription.latticeStageHeldFixed(scanned: true, crystalSystem: c.crystal_system).contains("fixed by symmetry"))
    }

    @Test func wurtziteGaNIsHexagonalP63mc() throws {
        let a = 3.189 * Units.angstrom, c0 = 5.185 * Units.angstrom
        let v = [[a / 2, -a * 3.0.squareRoot() / 2, 0], [a / 2, a * 3.0.squareRoot() / 2, 0], [0, 0, c0]]
        let u = 0.377
        let atoms = [Atom(species: "Ga", position: [1.0 / 3, 2.0 / 3, 0]), Atom(species: "Ga", position: [2.0 / 3, 1.0 / 3, 0.5]),
                     Atom(species: "N", position: [1.0 / 3, 2.0 / 3, u]), Atom(species: "N", position: [2.0 / 3, 1.0 / 3, 0.5 + u])]
        let c = try #require(CrystalDescription(latticeVectorsBohr: v, atoms: atoms))
        #expect(c.crystal_system == "hexagonal" && c.space_group_number == 186 && c.space_group_symbol == "P6_3mc", "\(c.text)")
        #expect(abs(c.a_angstrom - 3.189) < 1e-9 && abs(c.b_angstrom - 3.189) < 1e-9 && abs(c.c_angstrom - 5.185) < 1e-9)
        #expect(abs(c.alpha_deg - 90) < 1e-9 && abs(c.beta_deg - 90) < 1e-9 && abs(c.gamma_deg - 120) < 1e-9)
        #expect(abs(c.c_over_a - 5.185 / 3.189) < 1e-12)
        let held = CrystalDescription.latticeStageHeldFixed(scanned: true, crystalSystem: c.crystal_system)
        #expect(held.contains("c/a") && held.contains("reduced atomic positions held fixed"))
        #expect(CrystalDescription.latticeStageHeldFixed(scanned: false, crystalSystem: c.crystal_system).hasPrefix("no lattice stage"))
        // u moved off the 2b site pattern of the other species breaks the 6_3 screw: a lower group
        let broken = [atoms[0], atoms[1], atoms[2], Atom(species: "N", position: [2.0 / 3, 1.0 / 3, 0.5 + u + 0.05])]
        #expect(CrystalDescription(latticeVectorsBohr: v, atoms: broken)?.space_group_number != 186)
    }

    @Test(arguments: [(1, "triclinic"), (15, "monoclinic"), (62, "orthorhombic"), (136, "tetragonal"), (166, "trigonal"),
                      (186, "hexagonal"), (225, "cubic")])
    func crystalSystemOfTheSpaceGroup(_ n: Int, _ system: String) {
        #expect(CrystalDescription.crystalSystem(spaceGroup: n) == system)
    }
}
