import Foundation
import Testing

/// The displaced GaAs of Tests/PlaneWaveTests/ABINITForceReference.swift (As at reduced
/// (0.26, 0.25, 0.25), GTH-PADE Ga q3 / As q5, 10 Ha, 24³ grid, Γ-centred 2×2×2, Fermi–Dirac
/// 0.01 Ha, XC on the density grid) as a config.
private let displacedGaAsConfig = """
    name: gaas-displaced
    structure:
      lattice: {bravais: fcc, a: 10.6826 bohr}
      atoms:
        - {species: Ga, position: [0, 0, 0]}
        - {species: As, position: [0.26, 0.25, 0.25]}
    pseudopotentials:
      family: GTH-PADE
      valence: {Ga: 3, As: 5}
    functional: LDA
    smearing: {type: fermi-dirac, width: 0.01 Ha}
    basis: {ecut: 10 Ha, kmesh: 2x2x2, fft_grid: [24, 24, 24], xc_grid: density}
    scf: {energy_tolerance: 1e-11 Ha, density_tolerance: 1e-9}
    """

/// ABINIT 9.6.2's fcart for that case (Ha/bohr, drift removed; the input is kept with the numbers
/// in ABINITForceReference.swift).
private let abinitFcart: [[Double]] = [[-4.2003321136e-04, 2.4449138677e-03, 2.4449138677e-03],
                                       [4.2003321136e-04, -2.4449138677e-03, -2.4449138677e-03]]
/// ABINIT's strten of the same run (Ha/bohr³).
private let abinitStrten: [[Double]] = [[-4.91872354e-05, 3.14630540e-05, 3.14630540e-05],
                                        [3.14630540e-05, -4.88307669e-05, -1.62927004e-06],
                                        [3.14630540e-05, -1.62927004e-06, -4.88307669e-05]]

@Suite(.serialized) struct ForcesIntegration {
    struct Forces: Decodable {
        let converged: Bool; let forces_Ha_per_bohr: [[Double]]?; let n_irreducible_k: Int
        let stress_Ha_per_bohr3: [[Double]]?; let pressure_GPa: Double?
        let wall_time_s: Double; let forces_wall_time_s: Double; let stress_wall_time_s: Double
    }

    /// `scf --json` on 1–3 ranks (k-point pools, work stealing on 3) and on 4 ranks as two pools of
    /// 1×2 grids (bands split within a pool): the same forces, ABINIT's after removing the drift, and
    /// the same stress, ABINIT's, with P = −tr σ/3 in GPa.
    @Test func forcesMatchABINITOnAnyRankCount() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gaas-displaced-\(UUID().uuidString).yaml").path
        try displacedGaAsConfig.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (ranks, extra) in [(1, []), (2, []), (3, []), (4, ["--scalapack-grid", "1x2", "--scalapack-threshold", "0"])] {
            let out = try Preconv.run(ranks: ranks, ["scf", path, "--json"] + extra, timeout: 300)
            #expect(out.status == 0, "\(ranks) ranks: exit \(out.status): \(out.stderr)")
            let r = try JSONDecoder().decode(Forces.self, from: Data(out.stdout.utf8))
            #expect(r.converged && r.n_irreducible_k == 6)
            // their timings, a part of the command's
            #expect(r.forces_wall_time_s > 0 && r.stress_wall_time_s > 0 && r.forces_wall_time_s + r.stress_wall_time_s < r.wall_time_s,
                    "forces \(r.forces_wall_time_s) s, stress \(r.stress_wall_time_s) s of \(r.wall_time_s) s")
            let forces = try #require(r.forces_Ha_per_bohr, "\(ranks) ranks: no forces_Ha_per_bohr")
            #expect(forces.count == 2 && forces.allSatisfy { $0.count == 3 })
            let drift = (0..<3).map { i in forces.map { $0[i] }.reduce(0, +) / Double(forces.count) }
            for (f, ref) in zip(forces, abinitFcart) {
                for i in 0..<3 {
                    #expect(abs(f[i] - drift[i] - ref[i]) < 1e-5, "\(ranks) ranks: \(forces) vs ABINIT \(abinitFcart)")
                }
            }
            let sigma = try #require(r.stress_Ha_per_bohr3, "\(ranks) ranks: no stress_Ha_per_bohr3")
            let pressure = try #require(r.pressure_GPa, "\(ranks) ranks: no pressure_GPa")
            #expect(sigma.count == 3 && sigma.allSatisfy { $0.count == 3 })
            for a in 0..<3 { for b in 0..<3 {
                #expect(abs(sigma[a][b] - abinitStrten[a][b]) < 1e-7, "\(ranks) ranks: σ \(sigma) vs ABINIT \(abinitStrten)")
            } }
            let trace = -(sigma[0][0] + sigma[1][1] + sigma[2][2]) / 3 * 29421.015697
            #expect(abs(pressure - trace) < 1e-9 * max(1, abs(trace)), "\(ranks) ranks: P \(pressure) GPa vs −tr σ/3 \(trace) GPa")
        }
        let text = try Preconv.run(ranks: 1, ["scf", path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("forces (Ha/bohr): Ga1 [-4.2"), "\(text.stdout)")
        #expect(text.stdout.contains("stress (Ha/bohr³): [-4.9187"), "\(text.stdout)")
    }
}
