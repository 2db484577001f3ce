import Foundation
import Testing

/// `preconv-mpi report <run-dir>` on a directory holding only the runner's summary.json.
@Suite(.serialized) struct ReportCommandTests {
    /// One summary.json point record (2 atoms), JSON as the runner writes it.
    static func point(_ stage: String, ecut: Double, k: Int, f: Double?, status: String = "converged", error: String? = nil) -> String {
        let id = "\(stage)/ecut=\(ecut)Ha,k=\(k)x\(k)x\(k),a=5.653Å"
        let energy = f.map { "\"free_energy_Ha\": \($0), \"internal_energy_Ha\": \($0), \"free_energy_per_atom_eV\": \($0 / 2 * 27.211386245988), " } ?? ""
        return """
        {"id": "\(id)", "stage": "\(stage)", "ecut_Ha": \(ecut), "kmesh": [\(k), \(k), \(k)], "kshift": [0, 0, 0],
         "lattice_constant_angstrom": 5.653, "smearing": "fermi-dirac", "smearing_width_Ha": 0.01, "status": "\(status)",
         \(energy)"volume_bohr3": 304.8, "atoms": 2, "wall_time_s": 1.5, "ranks": 1, "host": "test",
         \(error.map { "\"error\": \"\($0)\", " } ?? "")"finished_at": "2026-01-01T00:00:00Z"}
        """
    }

    func runDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preconv-report-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // meV/atom → Ha per 2-atom cell: 7.35e-5 Ha per meV/atom
        let points = [(10.0, 20.0), (15.0, 2.0), (20.0, 0.3), (25.0, 0.0)].map { Self.point("cutoff", ecut: $0.0, k: 4, f: -8.5 + $0.1 * 7.3499e-5) }
            + [Self.point("cutoff", ecut: 30, k: 4, f: nil, status: "unconverged", error: "not converged after 100 SCF iterations")]
        let summary = "{\"name\": \"cli-test\", \"points\": [\(points.joined(separator: ",\n"))]}"
        try summary.write(to: dir.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test(arguments: [nil, 2] as [Int?])
    func regeneratesFromSummary(ranks: Int?) throws {
        let dir = try runDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Preconv.run(ranks: ranks, ["report", dir.path])
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        #expect(out.stdout.contains("report.html"))
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("ecut 20 Ha: |ΔE| = 0.30 meV/atom ≤ 1 meV/atom against 25 Ha"))
        #expect(html.contains("not converged after 100 SCF iterations"))
        #expect(html.contains("no analysis.json"))
        #expect(!crashMarkers.contains { out.stderr.contains($0) })
    }

    @Test func missingDirectoryIsBadInput() throws {
        let out = try Preconv.run(ranks: nil, ["report", "/nonexistent/run-dir"])
        #expect(out.status == 2)
        #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.contains("not a directory"), "\(out.stderr)")
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("preconv-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let none = try Preconv.run(ranks: nil, ["report", empty.path])
        #expect(none.status == 2 && none.stderr.contains("holds no point records"), "\(none.stderr)")
    }
}
