import Foundation
import Testing

private let dojoDirectory = ABINITRun.dojoDirectory
private let ready = ABINITRun.ready(["Ga", "As"])

/// `config/gaas-dojo.yaml` (PseudoDojo NC SR 0.4 PBE standard, Ga and As with 3d in valence), scanned
/// on 2 ranks with the stages shortened for CI (cutoffs 35–50 Ha at 2×2×2, k-meshes 2 and 4, three
/// lattice constants). The recommended cutoff must lie within PseudoDojo's hints for these files
/// (standard table of ONCVPSP-PBE-PDv0.4: Ga low 36 … high 46 Ha, As low 38 … high 48 Ha; so
/// 36–48 Ha), and ABINIT 9.6 run on the exported snippet (with the run's psp8 files) must reproduce
/// the final point's F within 1e-5 Ha per cell.
@Suite struct DojoScanIntegration {
    @Test(.enabled(if: ready, "PseudoDojo files or abinit absent: install Debian's abinit and abinit-data (make test does)"))
    func scanRecommendsAHintedCutoffAndABINITReproducesTheFinalPoint() throws {
        let d = scratchDirectory("gaas-dojo")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let config = packageRoot.appendingPathComponent("config/gaas-dojo.yaml").path
        let out = try Preconv.run(ranks: 2, ["run", config, "--no-doctor",
                                             "--set", "stages.cutoff.values=[35 Ha, 40 Ha, 45 Ha, 50 Ha]",
                                             "--set", "stages.cutoff.kmesh=2x2x2",
                                             "--set", "stages.kmesh.values=[2, 4]",
                                             "--set", "stages.lattice.points=3", "--set", "stages.lattice.range=1 %",
                                             "--set", "analysis.bands.points=8", "--set", "analysis.dos.kmesh=2x2x2",
                                             "--set", "output.directory=\(d)"], timeout: 1200)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr.suffix(2000))")
        let analysis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/analysis.json"))) as? [String: Any]
        let recommended = try #require(analysis?["recommended"] as? [String: Any])
        let ecut = try #require(recommended["ecut_Ha"] as? Double)
        #expect((36.0...48.0).contains(ecut), "recommended ecut \(ecut) Ha is outside PseudoDojo's hints (36–48 Ha)")
        let final = try #require(analysis?["final_point"] as? [String: Any])
        let f = try #require(final["free_energy_Ha"] as? Double)
        #expect(final["ecut_Ha"] as? Double == ecut)

        // ABINIT on the exported snippet: it lists the pseudopotentials by element symbol (As, Ga)
        let snippet = try String(contentsOfFile: d + "/abinit-snippet.abi", encoding: .utf8)
        #expect(snippet.contains(dojoDirectory + "/As.psp8, " + dojoDirectory + "/Ga.psp8") && snippet.contains("ixc     -101130"), "\(snippet)")
        let xred = snippet.split(separator: "\n").filter { $0.hasPrefix("#   ") }.map { $0.dropFirst(4).split(separator: "#")[0] }
        try #require(xred.count == 2)
        let input = snippet + """

            natom 2  ntypat 2  znucl 33 31  typat 2 1
            xred \(xred[0])
                 \(xred[1])
            nband 20
            toldfe 1.0d-10  nstep 100
            prtwf 0  prtden 0  prteig 0

            """
        let value = try ABINITRun.etotal(input: input, name: "gaas", directory: d)
        print(String(format: "gaas-dojo scan: ecut %.1f Ha, final F %.10f Ha, ABINIT %.10f Ha, Δ %.2e Ha", ecut, f, value, value - f))
        #expect(abs(value - f) < 1e-5, "ABINIT F \(value) Ha vs the final point's \(f) Ha")
    }
}
