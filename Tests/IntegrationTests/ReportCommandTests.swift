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

    /// `report --compute`: the end-of-run analysis (final point at a0, bands, DOS) from the run's
    /// config and records, the same on 1 and 2 ranks.
    @Test func computesTheFinalPointOnOneAndTwoRanks() throws {
        // E(V) on a Birch–Murnaghan curve (V0 = 300 bohr³, B0 = 60 GPa, B0′ = 4.5), cell V = a³/4
        func bm(_ aAngstrom: Double) -> Double {
            let v = pow(aAngstrom / 0.529177210903, 3) / 4, v0 = 300.0, b0 = 60 / 29421.015697, bp = 4.5
            let x = pow(v0 / v, 2.0 / 3) - 1
            return -8.45 + 9 * v0 * b0 / 16 * (x * x * x * bp + x * x * (6 - 4 * pow(v0 / v, 2.0 / 3)))
        }
        let config = """
        name: gaas-compute
        structure:
          lattice: {bravais: fcc, a: 5.653 Å}
          atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]
        pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 8 Ha, kmesh: 2x2x2}
        analysis: {bands: {points: 20}, dos: {kmesh: 3x3x3, broadening: 0.2 eV}}
        """
        var results: [(f: Double, bands: [[Double]])] = []
        for ranks in [1, 2] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preconv-compute-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try config.write(to: dir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            let points = [5.55, 5.60, 5.65, 5.70, 5.75].map { a -> String in
                let v = pow(a / 0.529177210903, 3) / 4
                return Self.point("lattice", ecut: 8, k: 2, f: bm(a)).replacingOccurrences(of: "5.653", with: "\(a)")
                    .replacingOccurrences(of: "\"volume_bohr3\": 304.8", with: "\"volume_bohr3\": \(v)")
            }
            try "{\"points\": [\(points.joined(separator: ","))]}".write(to: dir.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
            let out = try Preconv.run(ranks: ranks, ["report", dir.path, "--compute"], timeout: 300)
            #expect(out.status == 0, "\(ranks) ranks: exit \(out.status): \(out.stderr)")
            #expect(out.stdout.contains("final point final/ecut=8Ha,k=2x2x2") && out.stdout.contains("converged"), "\(out.stdout)")
            struct Final: Decodable { let free_energy_Ha: Double?; let lattice_constant_angstrom: Double }
            struct Doc: Decodable { let final_point: Final }
            let doc = try JSONDecoder().decode(Doc.self, from: Data(contentsOf: dir.appendingPathComponent("analysis.json")))
            #expect(abs(doc.final_point.lattice_constant_angstrom - pow(1200, 1.0 / 3) * 0.529177210903) < 1e-6, "a0 of the curve")
            let csv = try String(contentsOf: dir.appendingPathComponent("bands.csv"), encoding: .utf8)
            let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(6).compactMap { Double($0) } }
            results.append((doc.final_point.free_energy_Ha ?? .nan, rows))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.html").path))
        }
        #expect(abs(results[0].f - results[1].f) < 1e-8, "F on 1 and 2 ranks: \(results[0].f) vs \(results[1].f)")
        #expect(results[0].bands.count == results[1].bands.count && results[0].bands.count >= 15)
        let dev = zip(results[0].bands, results[1].bands).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
        #expect(dev < 2e-5, "bands on 1 and 2 ranks differ by \(dev) eV")
    }
}
