import Foundation
import Testing
import PlaneWave
import Input
import TestSupport
import Convergence
@testable import Reporting

/// The snippets of a spin-polarised run: ABINIT's `nsppol 2` and `spinat` (a 3-vector per atom, the
/// moment along z), QE's `nspin = 2` and `starting_magnetization(i)` = m/Z_val per species.
@Suite("Exports: spin")
struct SpinExportTests {
    static func recommended(_ yaml: String) throws -> RecommendedParameters {
        let system = SystemDescription(config: try Config.parse(yaml: yaml))
        return RecommendedParameters(system: system, ecut: 20, kmesh: [6, 6, 6], kshift: [0, 0, 0], latticeConstant: nil,
                                     latticeVectorsBohr: system.lattice_vectors_bohr, eos: nil, gap: nil, sources: [:],
                                     tolerances: .init(), warnings: [], generatedAt: "now", program: "test")
    }

    static let ironYAML = """
        structure:
          lattice: {vectors: [[-2.71, 2.71, 2.71], [2.71, -2.71, 2.71], [2.71, 2.71, -2.71]], unit: bohr}
          atoms: [{species: Fe, position: [0, 0, 0]}]
        pseudopotentials: {family: GTH-PADE, valence: {Fe: 8}}
        functional: LDA
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        spin: {polarized: true, moments: {Fe: 3.0}}
        basis: {ecut: 15 Ha, kmesh: 4x4x4}
        """

    @Test func ferromagneticIron() throws {
        let r = try Self.recommended(Self.ironYAML)
        #expect(r.starting_magnetic_moments_muB == [3.0] && r.valence_electrons == ["Fe": 8])
        let ab = Export.abinit(r)
        #expect(ab.contains("nsppol  2"), "\(ab)")
        #expect(ab.contains("spinat  0.0 0.0 3.0    # μB, atom 1 (Fe)"), "\(ab)")
        let qe = Export.quantumEspresso(r)
        #expect(qe.contains("  nspin = 2\n"), "\(qe)")
        #expect(qe.contains("  starting_magnetization(1) = 0.375    ! Fe: 3.0 μB / Z_val 8"), "\(qe)")
        // recommended.json keeps the moments (and an unpolarised run has none)
        let back = try JSONDecoder().decode(RecommendedParameters.self, from: try JSONEncoder().encode(r))
        #expect(back.starting_magnetic_moments_muB == [3.0])
        let plain = try Self.recommended(Self.ironYAML.replacingOccurrences(of: "spin: {polarized: true, moments: {Fe: 3.0}}\n", with: ""))
        #expect(plain.starting_magnetic_moments_muB == nil && !Export.abinit(plain).contains("nsppol") && !Export.quantumEspresso(plain).contains("nspin"))
    }

    /// Two Fe atoms with opposite moments: one `spinat` line each; pw.x needs two species, and the
    /// snippet says so. A moment of Z_val is the largest fraction, 1.
    @Test func antiferromagneticPair() throws {
        let yaml = """
            structure:
              lattice: {vectors: [[5.42, 0, 0], [0, 5.42, 0], [0, 0, 5.42]], unit: bohr}
              atoms: [{species: Fe, position: [0, 0, 0]}, {species: Fe, position: [0.5, 0.5, 0.5]}, {species: Al, position: [0.5, 0, 0]}]
            pseudopotentials: {family: GTH-PADE, valence: {Fe: 8, Al: 3}}
            functional: LDA
            smearing: {type: fermi-dirac, width: 0.01 Ha}
            spin: {polarized: true, moments: [2.0, -2.0, 3.0]}
            basis: {ecut: 15 Ha, kmesh: 2x2x2}
            """
        let r = try Self.recommended(yaml)
        let ab = Export.abinit(r)
        #expect(ab.contains("spinat  0.0 0.0 2.0    # μB, atom 1 (Fe)\n        0.0 0.0 -2.0    # μB, atom 2 (Fe)\n        0.0 0.0 3.0    # μB, atom 3 (Al)"), "\(ab)")
        let qe = Export.quantumEspresso(r)
        #expect(qe.contains("starting_magnetization(1) = 1.0    ! Al: 3.0 μB / Z_val 3"), "\(qe)")
        #expect(qe.contains("starting_magnetization(2) = 0.25    ! Fe: 2.0 μB / Z_val 8"), "\(qe)")
        #expect(qe.contains("the Fe atoms start with different moments (2.0, -2.0 μB)"), "\(qe)")
    }
}
