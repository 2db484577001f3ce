import Foundation
import Testing

private let dojoDirectory = ABINITRun.dojoDirectory
private let ready = ABINITRun.ready(["Ga", "N"])

/// `config/gan-wurtzite.yaml` (wurtzite GaN from its CIF file, PseudoDojo NC SR 0.4 PBE standard psp8,
/// Ga with 3d in valence), scanned on 2 ranks with the stages shrunk for CI (cutoffs 30 and 34 Ha at
/// 2×2×1, one k-point spacing, three lattice constants within ±1 %). The run must end well, the
/// report must follow the hexagonal Setyawan–Curtarolo path, `recommended.json` must describe the
/// crystal (hexagonal, P6_3mc (186), c/a of the CIF: 5.185/3.189, γ = 120°, and what the lattice
/// stage held fixed), and ABINIT 9.6 run on the exported snippet (with the run's psp8 files) must
/// reproduce the final point's F within 1e-5 Ha per cell.
@Suite struct GaNScanIntegration {
    @Test(.enabled(if: ready, "PseudoDojo Ga/N psp8 files or abinit absent: install Debian's abinit and abinit-data (make test does)"))
    func hexagonalScanDescribesItsCrystalAndABINITReproducesTheFinalPoint() throws {
        let d = scratchDirectory("gan-wurtzite")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let config = packageRoot.appendingPathComponent("config/gan-wurtzite.yaml").path
        let out = try Preconv.run(ranks: 2, ["run", config, "--no-doctor",
                                             "--set", "stages.cutoff.values=[30 Ha, 34 Ha]",
                                             "--set", "stages.cutoff.kmesh=2x2x1",
                                             "--set", "stages.kmesh.values=[0.9] 1/Å",
                                             "--set", "stages.lattice.points=3", "--set", "stages.lattice.range=1 %",
                                             "--set", "analysis.bands.points=8", "--set", "analysis.dos.kmesh=2x2x2",
                                             "--set", "output.directory=\(d)"], timeout: 1200)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr.suffix(2000))")

        // the hexagonal path, and the crystal in the report
        let html = try String(contentsOfFile: d + "/report.html", encoding: .utf8)
        #expect(html.contains("wave vector along Γ–M–K–Γ–A–L–H–A|L–M|K–H"), "no hexagonal path in the report")
        #expect(html.contains("P6_3mc (186)") && html.contains(">hexagonal<") && html.contains("c/a"), "no crystal description in the report")
        // no sentence about another material, and a provenance table without raw JSON
        #expect(!html.contains("GaAs"), "the GaN report mentions GaAs")
        #expect(!html.contains("{&quot;") && !html.contains("{\""), "raw JSON in the report")

        // recommended.json: the crystal, at the recommended lattice constant
        let recommended = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/recommended.json"))) as? [String: Any])
        let crystal = try #require(recommended["crystal"] as? [String: Any], "recommended.json has no crystal")
        #expect(crystal["crystal_system"] as? String == "hexagonal")
        #expect(crystal["space_group_symbol"] as? String == "P6_3mc" && crystal["space_group_number"] as? Int == 186)
        let a = try #require(crystal["a_angstrom"] as? Double), b = try #require(crystal["b_angstrom"] as? Double)
        let c = try #require(crystal["c_angstrom"] as? Double), ca = try #require(crystal["c_over_a"] as? Double)
        let aRecommended = try #require(recommended["lattice_constant_angstrom"] as? Double)
        #expect(abs(a - aRecommended) < 1e-6 && abs(b - a) < 1e-6, "a = \(a) Å, b = \(b) Å, recommended a = \(aRecommended) Å")
        #expect(abs(aRecommended - 3.189) < 0.0321, "the recommended a \(aRecommended) Å is outside the scanned ±1 % window")
        #expect(abs(ca - 5.185 / 3.189) < 1e-4 && abs(c / a - ca) < 1e-9, "c/a = \(ca): the lattice stage must keep the CIF's 1.6259")
        #expect(abs((crystal["gamma_deg"] as? Double ?? 0) - 120) < 1e-4 && abs((crystal["alpha_deg"] as? Double ?? 0) - 90) < 1e-4)
        let held = try #require(recommended["lattice_stage_held_fixed"] as? String)
        #expect(held.contains("one factor") && held.contains("c/a") && held.contains("reduced atomic positions"), "\(held)")

        let analysis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/analysis.json"))) as? [String: Any]
        let final = try #require(analysis?["final_point"] as? [String: Any])
        let f = try #require(final["free_energy_Ha"] as? Double)

        // ABINIT on the exported snippet: pseudopotentials by element symbol (Ga, N), xred with the species
        let snippet = try String(contentsOfFile: d + "/abinit-snippet.abi", encoding: .utf8)
        #expect(snippet.contains(dojoDirectory + "/Ga.psp8, " + dojoDirectory + "/N.psp8") && snippet.contains("ixc     -101130"), "\(snippet)")
        let atoms = snippet.split(separator: "\n").filter { $0.hasPrefix("#   ") }.map { line -> (xred: String, species: String) in
            let parts = line.dropFirst(4).split(separator: "#")
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        try #require(atoms.count == 4 && Set(atoms.map(\.species)) == ["Ga", "N"], "\(atoms)")
        let input = snippet + """

            natom 4  ntypat 2  znucl 31 7  typat \(atoms.map { $0.species == "Ga" ? "1" : "2" }.joined(separator: " "))
            xred \(atoms.map(\.xred).joined(separator: "\n     "))
            nband 28
            toldfe 1.0d-10  nstep 100
            prtwf 0  prtden 0  prteig 0

            """
        let value = try ABINITRun.etotal(input: input, name: "gan", directory: d)
        let ecut = final["ecut_Ha"] as? Double ?? 0
        print(String(format: "gan-wurtzite scan: ecut %.1f Ha, k-mesh %@, a %.4f Å, final F %.10f Ha, ABINIT %.10f Ha, ΔF %.2e Ha",
                     ecut, (final["kmesh"] as? [Int] ?? []).map(String.init).joined(separator: "x"), aRecommended, f, value, value - f))
        #expect(abs(value - f) < 1e-5, "ABINIT F \(value) Ha vs the final point's \(f) Ha")
    }
}
