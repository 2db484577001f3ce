import Foundation
import Testing
import Input
import Convergence
import PlaneWave
import Bindings
@testable import Reporting

/// A structure read from a CIF shows both cells where the system is described (analysis.json and
/// the report): the file's cell with its space group and the primitive cell computed.
@Suite struct CIFStructureReport {
    @Test func summaryShowsInputAndPrimitiveCells() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cif")
        let cfg = try Config.parse(yaml: """
        structure: {cif: GaN-wurtzite.cif}
        pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, N: 5}}
        functional: PBE
        basis: {ecut: 10 Ha, kmesh: 2x2x2}
        """, baseDirectory: fixtures)
        let system = SystemDescription(config: cfg)
        let c = try #require(system.structure_cif)
        #expect(c.space_group == "P6_3mc (186)" && c.input_cell.atoms.count == 4 && c.primitive_cell.atoms.count == 4)
        #expect(c.cell_parameters == [3.189, 3.189, 5.185, 90, 90, 120])
        let doc = AnalysisDocument(generated_at: "now", program: "test", settings: AnalysisSettings(), system: system, decisions: [],
                                   eos: nil, eos_stage: nil, eos_error: nil, recommended: nil, final_point: nil, bands: nil,
                                   warnings: [], provenance: [:])
        let html = RunReport(document: doc, records: []).summarySection()
        #expect(html.contains("data-field=\"structure_cif_input\""), "\(html)")
        #expect(html.contains("P6_3mc (186), a b c = 3.189 3.189 5.185 Å, α β γ = 90 90 120°, 4 atoms"), "\(html)")
        #expect(html.contains("structure: primitive cell computed"), "\(html)")
        // round trip through JSON, and files without the field still decode
        let data = try JSONCoding.encoder().encode(system)
        #expect(try JSONCoding.decoder().decode(SystemDescription.self, from: data).structure_cif == c)
        var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        json.removeValue(forKey: "structure_cif")
        let old = try JSONCoding.decoder().decode(SystemDescription.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.structure_cif == nil)
    }

    /// Wurtzite GaN from its CIF: the bands follow the hexagonal path, and the report names the path
    /// and the lattice type and labels every labelled point on the plot's axis (tiny cutoff).
    @Test func wurtziteReportShowsTheHexagonalPath() throws {
        BLASThreads.set(1)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cif")
        let cfg = try Config.parse(yaml: """
        structure: {cif: GaN-wurtzite.cif}
        pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, N: 5}}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 6 Ha, kmesh: 2x2x2}
        """, baseDirectory: fixtures)
        let basis = try PlaneWaveBasis(model: cfg.model, discretization: cfg.discretization)
        let r = try SCF(basis: basis, parameters: cfg.scf).run()
        var settings = AnalysisSettings()
        settings.band_points = 30
        settings.dos_kmesh = [2, 2, 2]
        let bands = try BandsAndDOS.compute(model: cfg.model, ecut: 6, fftGrid: r.fftGrid, density: r.density, dosMesh: [2, 2, 2],
                                            settings: settings)
        #expect(bands.bands.lattice == "HEX")
        #expect(bands.bands.path == "Γ–M–K–Γ–A–L–H–A|L–M|K–H")
        let doc = AnalysisDocument(generated_at: "now", program: "test", settings: settings, system: SystemDescription(config: cfg),
                                   decisions: [], eos: nil, eos_stage: nil, eos_error: nil, recommended: nil, final_point: nil,
                                   bands: bands, warnings: [], provenance: [:])
        let html = RunReport(document: doc, records: []).bandsSection()
        #expect(html.contains("wave vector along Γ–M–K–Γ–A–L–H–A|L–M|K–H"), "\(html.prefix(2000))")
        for label in ["Γ", "M", "K", "A", "L", "H", "A|L", "M|K"] {
            #expect(html.contains("font-size=\"11\">\(label)</text>"), "tick \(label)")
        }
    }
}
