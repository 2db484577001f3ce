import Bindings
import Foundation
import PlaneWave

/// What a cell is, in the words of a crystallographer: the crystal system and space group spglib
/// finds (Togo & Tanaka, spglib, at the symmetry tolerance the k-point reduction uses), and the
/// cell parameters a, b, c (Å), α, β, γ (degrees) and c/a of spglib's standardised conventional
/// cell (International Tables setting; α = ∠(b, c), β = ∠(a, c), γ = ∠(a, b)). For wurtzite GaN:
/// hexagonal, P6_3mc (186), γ = 120°. The conventional cell is the one a, b, c refer to in the
/// literature; for a cell computed in its primitive setting (fcc GaAs) the parameters are those of
/// the conventional cubic cell, not of the primitive vectors.
public struct CrystalDescription: Codable, Sendable, Equatable {
    /// triclinic, monoclinic, orthorhombic, tetragonal, trigonal, hexagonal or cubic.
    public let crystal_system: String
    /// Hermann–Mauguin symbol as spglib writes it, e.g. "P6_3mc".
    public let space_group_symbol: String
    public let space_group_number: Int
    /// The cell the parameters describe.
    public let cell: String
    public let a_angstrom: Double
    public let b_angstrom: Double
    public let c_angstrom: Double
    public let alpha_deg: Double
    public let beta_deg: Double
    public let gamma_deg: Double
    public let c_over_a: Double

    /// The crystal system of space group `number` (International Tables: 1–2 triclinic, 3–15
    /// monoclinic, 16–74 orthorhombic, 75–142 tetragonal, 143–167 trigonal, 168–194 hexagonal,
    /// 195–230 cubic).
    public static func crystalSystem(spaceGroup number: Int) -> String {
        switch number {
        case ...2: return "triclinic"
        case 3...15: return "monoclinic"
        case 16...74: return "orthorhombic"
        case 75...142: return "tetragonal"
        case 143...167: return "trigonal"
        case 168...194: return "hexagonal"
        default: return "cubic"
        }
    }

    /// The description of the cell `latticeVectorsBohr` (rows, bohr) holding `atoms` (reduced
    /// positions); nil when spglib finds no space group (it always finds P1 for a valid cell).
    public init?(latticeVectorsBohr: [[Double]], atoms: [SystemDescription.AtomEntry], symprec: Double = 1e-5) {
        guard latticeVectorsBohr.count == 3, !atoms.isEmpty else { return nil }
        let lattice = latticeVectorsBohr.map { SIMD3($0[0], $0[1], $0[2]) }
        var species: [String] = []
        for a in atoms where !species.contains(a.species) { species.append(a.species) }
        let types = atoms.map { species.firstIndex(of: $0.species)! + 1 }
        let positions = atoms.map { SIMD3($0.position[0], $0.position[1], $0.position[2]) }
        guard let s = Spglib.setting(lattice: lattice, positions: positions, types: types, symprec: symprec) else { return nil }
        let v = s.standardLattice
        func angle(_ x: SIMD3<Double>, _ y: SIMD3<Double>) -> Double {
            acos(max(-1, min(1, dot(x, y) / (norm(x) * norm(y))))) * 180 / .pi
        }
        crystal_system = Self.crystalSystem(spaceGroup: s.spaceGroup)
        space_group_symbol = s.international
        space_group_number = s.spaceGroup
        cell = "spglib's standardised conventional cell"
        a_angstrom = norm(v[0]) / Units.angstrom
        b_angstrom = norm(v[1]) / Units.angstrom
        c_angstrom = norm(v[2]) / Units.angstrom
        alpha_deg = angle(v[1], v[2])
        beta_deg = angle(v[0], v[2])
        gamma_deg = angle(v[0], v[1])
        c_over_a = c_angstrom / a_angstrom
    }

    /// "hexagonal, P6_3mc (186): a = 3.1890 Å, b = 3.1890 Å, c = 5.1850 Å, α = 90°, β = 90°, γ = 120°, c/a = 1.6259".
    public var text: String {
        String(format: "%@, %@ (%d): a = %.4f Å, b = %.4f Å, c = %.4f Å, α = %.2f°, β = %.2f°, γ = %.2f°, c/a = %.4f",
               crystal_system, space_group_symbol, space_group_number, a_angstrom, b_angstrom, c_angstrom,
               alpha_deg, beta_deg, gamma_deg, c_over_a)
    }

    /// What the lattice stage held fixed. It rescales the whole cell by one factor a/a_config (the
    /// structure's vectors times the factor, reduced positions unchanged), so only the volume is
    /// optimised; for a cubic crystal the shape is fixed by symmetry anyway. `scanned`: the run held
    /// points at more than one lattice constant.
    public static func latticeStageHeldFixed(scanned: Bool, crystalSystem: String?) -> String {
        guard scanned else { return "no lattice stage: the cell is the config's, unchanged" }
        var s = "the lattice stage scaled the whole cell by one factor: cell shape (b/a, c/a, angles) and reduced atomic positions held fixed"
        if crystalSystem == "cubic" { s += " (for a cubic crystal the shape is fixed by symmetry; free internal positions, if any, were not relaxed)" }
        else { s += "; a relaxation of the shape (c/a, …) and of internal parameters was not done" }
        return s
    }
}
