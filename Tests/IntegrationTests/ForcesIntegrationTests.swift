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

@Suite(.serialized) struct ForcesIntegration {
    struct Forces: Decodable { let converged: Bool; let forces_Ha_per_bohr: [[Double]]?; let n_irreducible_k: Int }

    /// `scf --json` on 1–3 ranks (k-point pools, work stealing on 3) and on 4 ranks as two pools of
    /// 1×2 grids (bands split within a pool): the same forces, ABINIT's after removing the drift.
    @Test func forcesMatchABINITOnAnyRankCount() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gaas-displaced-\(UUID().uuidString).yaml").path
        try displacedGaAsConfig.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (ranks, extra) in [(1, []), (2, []), (3, []), (4, ["--scalapack-grid", "1x2", "--scalapack-threshold", "0"])] {
            let out = try Preconv.run(ranks: ranks, ["scf", path, "--json"] + extra, timeout: 300)
            #expect(out.status == 0, "\(ranks) ranks: exit \(out.status): \(out.stderr)")
            let r = try JSONDecoder().decode(Forces.self, from: Data(out.stdout.utf8))
            #expect(r.converged && r.n_irreducible_k == 6)
            let forces = try #require(r.forces_Ha_per_bohr, "\(ranks) ranks: no forces_Ha_per_bohr")
            #expect(forces.count == 2 && forces.allSatisfy { $0.count == 3 })
            let drift = (0..<3).map { i in forces.map { $0[i] }.reduce(0, +) / Double(forces.count) }
            for (f, ref) in zip(forces, abinitFcart) {
                for i in 0..<3 {
                    #expect(abs(f[i] - drift[i] - ref[i]) < 1e-5, "\(ranks) ranks: \(forces) vs ABINIT \(abinitFcart)")
                }
            }
        }
        let text = try Preconv.run(ranks: 1, ["scf", path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("forces (Ha/bohr): Ga1 [-4.2"), "\(text.stdout)")
    }
}
