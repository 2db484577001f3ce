import Foundation
import Testing
import Input
@testable import RunStore

/// metadata.json records a CIF structure's two cells: the file's (with its space group) and the
/// primitive cell computed; metadata written before it still loads.
@Suite struct CIFMetadata {
    @Test func metadataRecordsBothCells() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cif")
        let cfg = try Config.parse(yaml: """
        structure: {cif: TiO2-rutile.cif}
        pseudopotentials: {family: GTH-PBE}
        functional: PBE
        basis: {ecut: 25 Ha, kmesh: 2x2x4}
        """, baseDirectory: fixtures)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var meta = RunMetadata(name: "rutile", created: "now", physics: PhysicsIdentity(config: cfg), mode: "staged",
                               configBaseDirectory: "/", invocations: [])
        meta.structureCIF = cfg.structure.cifRecord
        let path = dir.appendingPathComponent("metadata.json").path
        try meta.save(path: path)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let cif = try #require(json["structureCIF"] as? [String: Any])
        #expect(cif["space_group"] as? String == "P4_2/mnm (136)")
        #expect((cif["file"] as? String)?.hasSuffix("/TiO2-rutile.cif") == true)
        let input = try #require(cif["input_cell"] as? [String: Any]), primitive = try #require(cif["primitive_cell"] as? [String: Any])
        #expect((input["atoms"] as? [String])?.count == 6 && (primitive["atoms"] as? [String])?.count == 6)
        let v = 4.594 * 4.594 * 2.959 * pow(1.8897261246257702, 3)
        #expect(abs((input["volume_bohr3"] as? Double ?? 0) - v) < 1e-6 * v)
        #expect(try RunMetadata.load(path: path)?.structureCIF == cfg.structure.cifRecord)

        var old = json
        old.removeValue(forKey: "structureCIF")
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: path))
        #expect(try RunMetadata.load(path: path)?.structureCIF == nil)
    }
}
