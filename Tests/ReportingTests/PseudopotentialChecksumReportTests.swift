import Foundation
import Testing
import Input
import Convergence
@testable import Reporting

private let dojo = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"

/// The report names each pseudopotential file with its SHA-256 where the system is described.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: dojo + "/As.psp8"), "PseudoDojo psp8 files absent: install Debian's abinit-data"))
struct PseudopotentialChecksumReport {
    @Test func summaryNamesEachFileWithItsChecksum() throws {
        let cfg = try Config.parse(yaml: """
        structure: {lattice: {bravais: fcc, a: 5.653 Å}, atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]}
        pseudopotentials: {family: GTH-PBE, files: {As: \(dojo)/As.psp8}}
        functional: PBE
        basis: {ecut: 25 Ha, kmesh: 4x4x4}
        """)
        let system = SystemDescription(config: cfg)
        let sha = try #require(cfg.pseudopotentialFiles["As"]?.sha256)
        #expect(system.pseudopotential_sha256 == ["As": sha])
        let doc = AnalysisDocument(generated_at: "now", program: "test", settings: AnalysisSettings(), system: system, decisions: [],
                                   eos: nil, eos_stage: nil, eos_error: nil, recommended: nil, final_point: nil, bands: nil,
                                   warnings: [], provenance: [:])
        let html = RunReport(document: doc, records: []).summarySection()
        #expect(html.contains("<tr><th>pseudopotential As</th><td data-field=\"pseudopotential_file\">\(dojo)/As.psp8 sha256:\(sha)</td></tr>"), "\(html)")
        #expect(!html.contains("pseudopotential Ga"), "GTH tables have no file row")
        // analysis.json written before the checksums were recorded still decodes (and shows the path)
        var json = try JSONSerialization.jsonObject(with: JSONCoding.encoder().encode(system)) as! [String: Any]
        json.removeValue(forKey: "pseudopotential_sha256")
        let old = try JSONCoding.decoder().decode(SystemDescription.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.pseudopotential_sha256 == nil)
    }
}
