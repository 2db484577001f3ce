import Bindings
import Foundation
import Testing
import PlaneWave
import Input
import TestSupport
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

    /// Elements read from psp8 files: the ABINIT snippet names the files in `pseudos`, the QE snippet
    /// says that UPF files are needed, and no pspcod-10 file is written for them.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/As.psp8"),
                   "PseudoDojo psp8 files absent: install Debian's abinit-data"))
    func exportsWithPsp8Files() throws {
        let path = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/As.psp8"
        let cfg = try Config.parse(yaml: """
        structure: {lattice: {bravais: fcc, a: 5.653 Å}, atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]}
        pseudopotentials: {family: GTH-PBE, valence: {Ga: 3}, files: {As: \(path)}}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 25 Ha, kmesh: 6x6x6}
        """)
        let system = SystemDescription(config: cfg)
        #expect(system.pseudopotential_files == ["As": path])
        #expect(system.pseudopotentials["As"] == "As.psp8 sha256:\(cfg.pseudopotentialFiles["As"]!.sha256)")
        #expect(system.pseudopotentials["Ga"] == "GTH-PBE-q3")
        let r = RecommendedParameters(system: system, ecut: 30, kmesh: [8, 8, 8], kshift: [0, 0, 0], latticeConstant: 5.653,
                                      latticeVectorsBohr: system.lattice_vectors_bohr, eos: nil,
                                      gap: nil, sources: [:], tolerances: .init(), warnings: [], generatedAt: "now", program: "test")
        let ab = Export.abinit(r)
        #expect(ab.contains("\npseudos \"\(path), Ga.GTH-PBE-q3.gth\""), "\(ab)")
        #expect(!ab.contains("# pseudos"))
        let qe = Export.quantumEspresso(r)
        #expect(qe.contains("! pseudopotentials: pw.x needs UPF files of the same family as As \(path)"), "\(qe)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-psp8-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gth = cfg.model.pseudopotentials.values.compactMap { $0 as? GTHPseudopotential }
        let written = try Export.write(r, to: dir, pseudopotentials: gth).map { ($0 as NSString).lastPathComponent }
        #expect(written.contains("Ga.GTH-PBE-q3.gth") && !written.contains { $0.hasPrefix("As.") }, "\(written)")
        let decoded = try JSONDecoder().decode(RecommendedParameters.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/" + Export.recommendedFile)))
        #expect(decoded.pseudopotential_files == ["As": path])
    }

    /// Elements read from UPF files: the QE snippet sets pseudo_dir to their directory, lists them in
    /// ATOMIC_SPECIES, and has ecutrho = 4 × ecutwfc; no note that UPF files are needed.
    @Test(.enabled(if: qepseudosInstalled, Comment(rawValue: qepseudosMissingMessage)))
    func exportsWithUPFFiles() throws {
        let dir = qepseudosDirectory + "/LDA"
        let cfg = try Config.parse(yaml: """
        structure: {lattice: {bravais: fcc, a: 5.653 Å}, atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]}
        pseudopotentials: {files: {Ga: \(dir)/Ga.UPF, As: \(dir)/As.UPF}}
        functional: PW92
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 30 Ha, kmesh: 4x4x4}
        """)
        let system = SystemDescription(config: cfg)
        #expect(system.pseudopotential_files == ["Ga": dir + "/Ga.UPF", "As": dir + "/As.UPF"])
        let r = RecommendedParameters(system: system, ecut: 30, kmesh: [4, 4, 4], kshift: [0, 0, 0], latticeConstant: 5.653,
                                      latticeVectorsBohr: system.lattice_vectors_bohr, eos: nil,
                                      gap: nil, sources: [:], tolerances: .init(), warnings: [], generatedAt: "now", program: "test")
        let qe = Export.quantumEspresso(r)
        #expect(qe.contains("! --- &CONTROL ---\n  pseudo_dir = '\(dir)'\n! --- &SYSTEM ---\n"), "\(qe)")
        #expect(qe.contains("  ecutwfc = 60.0\n  ecutrho = 240.0\n"), "\(qe)")
        #expect(qe.contains("ATOMIC_SPECIES    ! masses: any value for an scf\n  As 1.0 As.UPF\n  Ga 1.0 Ga.UPF\n"), "\(qe)")
        #expect(!qe.contains("pw.x needs UPF"), "\(qe)")
    }
}
