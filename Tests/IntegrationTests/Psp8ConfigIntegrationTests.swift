import Foundation
import Testing

private let siDojoConfig = packageRoot.appendingPathComponent("config/si-dojo.yaml").path
private let siPsp8 = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"

/// `config/si-dojo.yaml` (PseudoDojo Si.psp8 through `pseudopotentials.files`) end to end: the
/// ABINIT 9.6 reference of Tests/PlaneWaveTests/Psp8Reference.swift (Si_dojo_PBE_ec20_k4: a = 10.26
/// bohr, ecut 20 Ha, Γ-centred 4×4×4, no smearing, 4 bands, 30³ grid), F = −8.45547479529052 Ha.
@Suite struct Psp8ConfigIntegration {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: siPsp8), "PseudoDojo Si.psp8 absent: install Debian's abinit-data"))
    func siliconDojoMatchesABINIT() throws {
        let out = try Preconv.run(ranks: 1, ["scf", siDojoConfig, "--json"], timeout: 300)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        let r = try SCFJSON.parse(out.stdout)
        #expect(r.converged && r.n_irreducible_k == 8)
        #expect(abs(r.free_energy_Ha - (-8.45547479529052)) < 1e-5, "F \(r.free_energy_Ha) vs ABINIT −8.45547479529052 Ha")
    }
}
