import Foundation
import Testing

/// `scf` of a collinear spin-polarised config end to end: the magnetisation and both channels'
/// eigenvalues in `--json` and the text, the same state on 1 and 2 ranks (k-points × spin shared
/// between them, the density step split), ABINIT's numbers (`ABINITSpinReference.bccFe`, the same
/// input), and bad moments refused with one line (scans: SpinScanIntegrationTests).
@Suite(.serialized) struct SpinIntegration {
    /// ABINITSpinReference.bccFe as a config (the bcc vectors ABINIT was given).
    static let feYAML = """
        name: fe-fm
        structure:
          lattice: {vectors: [[-2.71, 2.71, 2.71], [2.71, -2.71, 2.71], [2.71, 2.71, -2.71]], unit: bohr}
          atoms:
            - {species: Fe, position: [0, 0, 0]}
        pseudopotentials: {family: GTH-PADE, valence: {Fe: 8}}
        functional: LDA
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        spin: {polarized: true, moments: {Fe: 3.0}}
        basis: {ecut: 15 Ha, kmesh: 4x4x4, fft_grid: [18, 18, 18], xc_grid: density}
        scf: {energy_tolerance: 1e-10 Ha, density_tolerance: 1e-7}
        """
    /// ABINIT 9.6.2's etotal and total magnetisation for this input (`ABINITSpinReference.bccFe`).
    static let abinitF = -16.6894800406623, abinitM = 1.373141

    @Test func ironOnOneAndTwoRanks() throws {
        let path = try MetalIntegration.write(Self.feYAML, "fe-spin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var results: [[String: Any]] = []
        for ranks in [1, 2] {
            let out = try Preconv.run(ranks: ranks, ["scf", path, "--json"], timeout: 300)
            #expect(out.status == 0, "\(out.stderr)")
            results.append(try MetalIntegration.json(out.stdout))
        }
        let f = results.map { $0["free_energy_Ha"] as? Double ?? .nan }
        let m = results.map { $0["total_magnetization_muB"] as? Double ?? .nan }
        let a = results.map { $0["absolute_magnetization_muB"] as? Double ?? .nan }
        #expect(abs(f[1] - f[0]) < 1e-8 && abs(m[1] - m[0]) < 1e-6, "F \(f), M \(m) on 1 and 2 ranks")
        #expect(abs(f[0] - Self.abinitF) < 1e-5 && abs(m[0] - Self.abinitM) < 1e-3, "F \(f[0]) M \(m[0]) vs ABINIT")
        #expect(a[0] >= m[0] - 1e-9)
        for j in results {
            #expect(j["spin_channels"] as? Int == 2 && j["n_irreducible_k"] as? Int == 8)
            let k = try #require((j["kpoints"] as? [[String: Any]])?.first)
            let up = try #require(k["eigenvalues_Ha"] as? [Double]), down = try #require(k["eigenvalues_down_Ha"] as? [Double])
            #expect(up.count == down.count && (k["occupations_down"] as? [Double])?.count == down.count)
            #expect(up[4] < down[4], "the majority channel lies lower: \(up[4]) vs \(down[4])")
            // the moment in the default sphere (half the nearest-neighbour distance), below the cell's
            let radii = try #require(j["sphere_radii_bohr"] as? [Double]), moments = try #require(j["atomic_moments_muB"] as? [Double])
            #expect(radii.count == 1 && abs(radii[0] - 5.42 * 3.0.squareRoot() / 4) < 1e-9, "\(radii)")
            #expect(moments.count == 1 && moments[0] > 1 && moments[0] < m[0] + 0.5, "\(moments)")
            #expect(j["fermi_level_up_Ha"] as? Double == j["fermi_level_down_Ha"] as? Double && j["fixed_total_magnetization_muB"] is NSNull)
        }
        let text = try Preconv.run(ranks: nil, ["scf", path], timeout: 300)
        #expect(text.stdout.contains("magnetization      1.3731"), "\(text.stdout)")
    }

    /// `spin.total_magnetization` fixes M: ABINIT's `spinmagntarget 2.0` on the same input
    /// (`ABINITSpinReference.bccFeFixedMoment`): F, M = 2, both Fermi levels; bad values exit 2 with one line.
    @Test func fixedMomentIron() throws {
        let yaml = Self.feYAML.replacingOccurrences(of: "moments: {Fe: 3.0}}", with: "moments: {Fe: 3.0}, total_magnetization: 2.0}")
        let path = try MetalIntegration.write(yaml, "fe-fixed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: nil, ["scf", path, "--json"], timeout: 300)
        #expect(out.status == 0, "\(out.stderr)")
        let j = try MetalIntegration.json(out.stdout)
        let f = j["free_energy_Ha"] as? Double ?? .nan, m = j["total_magnetization_muB"] as? Double ?? .nan
        #expect(abs(f - -16.682597655530) < 1e-5 && abs(m - 2) < 1e-9, "F \(f), M \(m)")
        #expect(j["fixed_total_magnetization_muB"] as? Double == 2)
        let up = j["fermi_level_up_Ha"] as? Double ?? .nan, down = j["fermi_level_down_Ha"] as? Double ?? .nan
        #expect(abs(up - 0.505621) < 1e-5 && abs(down - 0.471452) < 1e-5, "μ↑ \(up), μ↓ \(down) vs ABINIT 0.505621, 0.471452")
        for (value, needle) in [("total_magnetization: 9.0", "±8 μB"), ("total_magnetization: big", "total_magnetization")] {
            let bad = try MetalIntegration.write(Self.feYAML.replacingOccurrences(of: "moments: {Fe: 3.0}}", with: "moments: {Fe: 3.0}, \(value)}"), "fe-fixed-bad")
            defer { try? FileManager.default.removeItem(atPath: bad) }
            let err = try Preconv.run(ranks: nil, ["scf", bad])
            #expect(err.status == 2 && err.stderr.split(separator: "\n").count == 1, "\(err.stderr)")
            #expect(err.stderr.contains("spin.total_magnetization") && err.stderr.contains(needle), "\(err.stderr)")
        }
        let off = try MetalIntegration.write(Self.feYAML.replacingOccurrences(of: "polarized: true, moments: {Fe: 3.0}}", with: "polarized: false, total_magnetization: 2}"), "fe-fixed-off")
        defer { try? FileManager.default.removeItem(atPath: off) }
        let err = try Preconv.run(ranks: nil, ["scf", off])
        #expect(err.status == 2 && err.stderr.contains("spin.total_magnetization") && err.stderr.contains("polarized: true"), "\(err.stderr)")
    }

    @Test func unpolarisedJSONSaysSo() throws {
        let path = try MetalIntegration.write(MetalIntegration.alYAML, "al-spin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: nil, ["scf", path, "--json"], timeout: 300)
        let j = try MetalIntegration.json(out.stdout)
        #expect(j["spin_channels"] as? Int == 1 && j["total_magnetization_muB"] is NSNull && j["absolute_magnetization_muB"] is NSNull)
        #expect((j["kpoints"] as? [[String: Any]])?.first?["eigenvalues_down_Ha"] == nil)
    }

    @Test func badMomentsAreRefused() throws {
        let bad = try MetalIntegration.write(Self.feYAML.replacingOccurrences(of: "{Fe: 3.0}", with: "{Fe: 12}"), "fe-bad")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let err = try Preconv.run(ranks: nil, ["scf", bad])
        #expect(err.status == 2 && err.stderr.split(separator: "\n").count == 1, "\(err.stderr)")
        #expect(err.stderr.contains("spin.moments") && err.stderr.contains("±8 μB"), "\(err.stderr)")
    }
}
