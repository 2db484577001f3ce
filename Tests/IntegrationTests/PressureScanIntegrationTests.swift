import Foundation
import Testing

/// GaAs (GTH-PADE Ga q3 / As q5, LDA, a = 10.6826 bohr) with As displaced to reduced (0.26, 0.25, 0.25),
/// a cutoff scan at 2×2×2 whose energy and pressure tolerances choose different cutoffs: the run
/// decides by the pressure and says so, every journal record carries forces and stress, summary.csv
/// has the pressure and largest-force columns, and the final point's forces (on the displaced As,
/// above `analysis.force_warning`) give the "not relaxed" warning naming the atom, in the log, the
/// report and recommended.json.
@Suite struct PressureScanIntegration {
    static let config = """
        name: gaas-pressure
        structure:
          lattice: {bravais: fcc, a: 10.6826 bohr}
          atoms:
            - {species: Ga, position: [0, 0, 0]}
            - {species: As, position: [0.26, 0.25, 0.25]}
        pseudopotentials: {family: GTH-PADE, valence: {Ga: 3, As: 5}}
        functional: LDA
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 10 Ha, kmesh: 2x2x2}
        scf: {energy_tolerance: 1e-9 Ha, density_tolerance: 1e-7, max_iterations: 60}
        stages:
          cutoff:
            values: [ECUTS]
            kmesh: 2x2x2
            tolerance: {energy: ENERGY_TOLERANCE, pressure: PRESSURE_TOLERANCE}
        analysis: {force_warning: 1e-3 Ha/bohr, bands: {points: 8}, dos: {kmesh: 2x2x2}}
        resources: {timeout: 300 s}

        """
    /// Cutoffs, tolerances and what each alone chooses. Against 20 Ha (`scf --json` of the same
    /// points): |ΔF| per atom 182, 73, 34, 17 meV and |ΔP| 3.28, 1.20, 0.45, 0.19 GPa at 10, 12, 14,
    /// 16 Ha: 80 meV/atom alone chooses 12 Ha, 0.5 GPa 14 Ha.
    static let ecuts = "10 Ha, 12 Ha, 14 Ha, 16 Ha, 20 Ha"
    static let energyTolerance = "80 meV/atom"
    static let pressureTolerance = "0.5 GPa"
    static let energyChoice = "ecut 12 Ha"
    static let pressureChoice = "ecut 14 Ha"

    @Test func pressureDecidesTheCutoff() throws {
        let d = scratchDirectory("gaas-pressure")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/gaas-pressure.yaml"
        try Self.config.replacingOccurrences(of: "ECUTS", with: Self.ecuts)
            .replacingOccurrences(of: "ENERGY_TOLERANCE", with: Self.energyTolerance)
            .replacingOccurrences(of: "PRESSURE_TOLERANCE", with: Self.pressureTolerance)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let out = try Preconv.run(ranks: 1, ["run", path, "--no-doctor", "--set", "output.directory=\(d)/run"], timeout: 600)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr.suffix(2000))")
        let run = d + "/run"

        // the decision: the pressure's cutoff, and the text says the pressure decided
        let recommended = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/recommended.json"))) as? [String: Any])
        let sources = try #require(recommended["sources"] as? [String: String])
        let message = try #require(sources["ecut"])
        print("gaas-pressure: \(message)")
        let chosen = "ecut " + (Self.pressureChoice.split(separator: " ")[1]) + " Ha"
        #expect(recommended["ecut_Ha"] as? Double == Double(Self.pressureChoice.split(separator: " ")[1]), "\(message)")
        #expect(message.hasPrefix(chosen + ":") && message.contains("|ΔP| = "), "\(message)")
        #expect(message.contains("the pressure decided (the energy had converged at \(Self.energyChoice))"), "\(message)")

        // every converged record carries forces (2 atoms), stress (3×3) and pressure
        let lines = try String(contentsOfFile: run + "/journal.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6, "5 cutoffs and the final point")
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let record = try #require(object["record"] as? [String: Any])
            let forces = try #require(record["forces_Ha_per_bohr"] as? [[Double]], "\(record["id"] ?? "")")
            let stress = try #require(record["stress_Ha_per_bohr3"] as? [[Double]])
            let p = try #require(record["pressure_GPa"] as? Double)
            #expect(forces.count == 2 && forces.allSatisfy { $0.count == 3 } && stress.count == 3)
            let trace: Double = stress[0][0] + stress[1][1] + stress[2][2]
            #expect(abs(p + trace / 3 * 29421.015697) < 1e-9 * max(1, abs(p)))
            // the displaced As feels a force along a₁ (ABINIT: 3.5e-3 Ha/bohr at 10 Ha)
            let f: Double = (forces[1][0] * forces[1][0] + forces[1][1] * forces[1][1] + forces[1][2] * forces[1][2]).squareRoot()
            #expect(f > 2e-3 && f < 5e-3, "|F(As)| = \(f) Ha/bohr")
        }
        let csv = try String(contentsOfFile: run + "/summary.csv", encoding: .utf8).split(separator: "\n")
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(header.contains("pressure_GPa") && header.contains("max_force_Ha_per_bohr") && header.contains("max_force_atom"))

        // the final point: forces and the warning naming the atom, in recommended.json, the report and the log
        // (two atoms: equal and opposite forces up to the drift, so either may be the largest)
        let forces = try #require(recommended["final_point_forces"] as? [String: Any])
        let perAtom = try #require(forces["forces"] as? [[String: Any]])
        let magnitudes = perAtom.compactMap { $0["magnitude_Ha_per_bohr"] as? Double }
        let largest = try #require(forces["largest_atom"] as? Int)
        #expect(magnitudes.count == 2 && magnitudes[largest - 1] == magnitudes.max())
        let atom = "on atom \(largest) (\(largest == 1 ? "Ga" : "As"))"
        #expect(forces["largest_element"] as? String == (largest == 1 ? "Ga" : "As"))
        let warnings = try #require(recommended["warnings"] as? [String])
        let warning = try #require(warnings.first { $0.hasPrefix("structure not relaxed") }, "\(warnings)")
        #expect(warning.contains(atom) && warning.contains("analysis.force_warning 0.001 Ha/bohr"), "\(warning)")
        let html = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        #expect(html.contains("Forces at the final point") && html.contains(atom))
        let log = try String(contentsOfFile: run + "/preconv.log", encoding: .utf8)
        #expect(log.contains("structure not relaxed") && log.contains(atom))
    }
}
