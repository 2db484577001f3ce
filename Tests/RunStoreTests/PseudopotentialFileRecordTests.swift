import Foundation
import Testing
import Input
@testable import RunStore

private let dojo = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"

/// metadata.json lists every pseudopotential file with its path, SHA-256 and format.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: dojo + "/As.psp8"), "PseudoDojo psp8 files absent: install Debian's abinit-data"))
struct PseudopotentialFileRecords {
    @Test func metadataListsEachFile() throws {
        let cfg = try Config.parse(yaml: """
        structure: {lattice: {bravais: fcc, a: 5.653 Å}, atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]}
        pseudopotentials: {directory: \(dojo)}
        functional: PBE
        basis: {ecut: 25 Ha, kmesh: 4x4x4}
        """)
        let records = PseudopotentialFileRecord.records(of: cfg)
        #expect(records.map(\.element) == ["As", "Ga"])
        let asBytes = try Data(contentsOf: URL(fileURLWithPath: dojo + "/As.psp8"))
        #expect(records[0] == PseudopotentialFileRecord(element: "As", file: dojo + "/As.psp8", sha256: sha256Hex(asBytes), format: "psp8"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var meta = RunMetadata(name: "gaas", created: "now", physics: PhysicsIdentity(config: cfg), mode: "staged",
                               configBaseDirectory: "/", invocations: [])
        meta.pseudopotentialFiles = records
        let path = dir.appendingPathComponent("metadata.json").path
        try meta.save(path: path)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let list = try #require(json["pseudopotentialFiles"] as? [[String: String]])
        #expect(list.count == 2)
        #expect(list[0] == ["element": "As", "file": dojo + "/As.psp8", "sha256": sha256Hex(asBytes), "format": "psp8"])
        #expect(list[1]["element"] == "Ga" && list[1]["sha256"]?.count == 64)
        #expect(try RunMetadata.load(path: path)?.pseudopotentialFiles == records)

        // metadata written before the list existed still loads
        var old = json
        old.removeValue(forKey: "pseudopotentialFiles")
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: path))
        #expect(try RunMetadata.load(path: path)?.pseudopotentialFiles == nil)
    }

    @Test func gthOnlyRunsListNoFile() throws {
        let cfg = try Config.parse(yaml: """
        structure: {lattice: {bravais: fcc, a: 5.653 Å}, atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]}
        pseudopotentials: {family: GTH-PBE}
        functional: PBE
        basis: {ecut: 25 Ha, kmesh: 4x4x4}
        """)
        #expect(PseudopotentialFileRecord.records(of: cfg).isEmpty)
    }
}
