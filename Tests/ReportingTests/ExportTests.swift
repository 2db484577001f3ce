import Bindings
import Foundation
import Testing
import PlaneWave
import Input
import Convergence
@testable import Reporting

@Suite("Exports")
struct ExportTests {
    /// The snippets carry the recommended parameters in each code's units.
    @Test func exportSnippets() throws {
        let cfg = try Config.parse(yaml: """
        structure: {lattice: {bravais: fcc, a: 5.653 Å}, atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]}
        pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 25 Ha, kmesh: 6x6x6}
        """)
        let system = SystemDescription(config: cfg)
        let r = RecommendedParameters(system: system, ecut: 30, kmesh: [8, 8, 8], kshift: [0, 0, 0], latticeConstant: 5.75,
                                      latticeVectorsBohr: system.lattice_vectors_bohr.map { $0.map { $0 * 5.75 / 5.653 } }, eos: nil,
                                      gap: nil, sources: [:], tolerances: .init(), warnings: [], generatedAt: "now", program: "test")
        let qe = Export.quantumEspresso(r)
        for line in ["ecutwfc = 60.0", "ecutrho = 240.0", "smearing = 'fd'", "degauss = 0.02", "K_POINTS automatic", "  8 8 8 0 0 0",
                     "CELL_PARAMETERS angstrom", "  Ga 0.0000000000 0.0000000000 0.0000000000"] {
            #expect(qe.contains(line), "QE snippet lacks '\(line)'")
        }
        #expect(qe.contains("  0.000000000000   2.875000000000   2.875000000000"))
        let ab = Export.abinit(r)
        for line in ["ecut    30.0", "ngkpt   8 8 8", "shiftk  0.0 0.0 0.0", "occopt  3", "tsmear  0.01", "acell   3*10.8659"] {
            #expect(ab.contains(line), "ABINIT snippet lacks '\(line)'")
        }
        #expect(ab.contains("rprim     0.0000000000   0.5000000000   0.5000000000"))
        // the pspcod-10 export carries the same numbers as ABINIT's reference file for Ga GTH-PBE-q3
        let psp = Export.psp10(try #require(cfg.model.pseudopotentials["Ga"] as? GTHPseudopotential), functional: "PBE")
        #expect(psp.contains("31 3 230101") && psp.contains("10 11 2 0 2001 0"))
        #expect(psp.contains("0.56586645 3 2.21575051 1.03244793 -0.76062946\n-2.57004845 1.96393682\n-1.55882652\n"))
        #expect(psp.contains("0.99942484 1 0.08951951\n0.0\n"))
    }
}
