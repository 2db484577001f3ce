import Foundation
import Testing

/// Broken CIF files through the real executable: `preconv-mpi scf CONFIG` with `structure: {cif: …}`
/// refuses each with exit status 2 and one stderr line naming the file, the CIF item and the problem.
@Suite struct CIFIntegrationTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/cif")

    @Test(arguments: [
        ("partial-occupancy.cif", "_atom_site_occupancy of N1 is 0.5; only fully occupied sites (1) are supported"),
        ("missing-cell-b.cif", "_cell_length_b is missing"),
        ("bad-symop.cif", "_space_group_symop_operation_xyz 'x,y,q' (operation 9) has 'q' where x, y, z or a number was expected"),
    ])
    func brokenCIFRefusedWithOneLine(_ file: String, _ problem: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("broken-cif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        let config = dir.appendingPathComponent("gan.yaml").path
        try Data("""
        structure: {cif: \(file)}
        pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, N: 5}}
        functional: PBE
        basis: {ecut: 5 Ha, kmesh: 1x1x1}

        """.utf8).write(to: URL(fileURLWithPath: config))
        let out = try Preconv.run(ranks: nil, ["scf", config], timeout: 60)
        #expect(out.status == 2, "exit \(out.status): \(out.stderr)")
        let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(out.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("error: structure.cif: \(file): \(problem)"), "\(line)")
        #expect(line.contains("gan.yaml"), "names the config: \(line)")
        #expect(out.stdout.isEmpty, "\(out.stdout)")
    }
}
