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

    /// A one-point grid scan of si-dojo.yaml: metadata.json lists the file with its SHA-256 and format,
    /// and report.html names it with the checksum.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: siPsp8), "PseudoDojo Si.psp8 absent: install Debian's abinit-data"))
    func scanRecordsTheFileAndItsChecksum() throws {
        let d = scratchDirectory("psp8-metadata")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let out = try Preconv.run(ranks: 1, ["run", siDojoConfig, "--no-doctor", "--set", "stages.mode=grid",
                                             "--set", "stages.cutoff.values=[8 Ha]", "--set", "stages.kmesh.values=[1]",
                                             "--set", "analysis.final_point=false", "--set", "output.directory=\(d)"], timeout: 300)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        let sha = try sha256sum(siPsp8)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/metadata.json"))) as? [String: Any]
        let files = try #require(meta?["pseudopotentialFiles"] as? [[String: String]], "\(String(describing: meta))")
        #expect(files == [["element": "Si", "file": siPsp8, "sha256": sha, "format": "psp8"]])
        let html = try String(contentsOfFile: d + "/report.html", encoding: .utf8)
        #expect(html.contains("<th>pseudopotential Si</th><td data-field=\"pseudopotential_file\">\(siPsp8) sha256:\(sha)</td>"))
    }

    /// `doctor --config`: the pseudopotentials check passes for si-dojo.yaml and fails (exit 1) with
    /// the one-line reason for a config whose file is missing; `--only pseudopotentials` needs a config.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: siPsp8), "PseudoDojo Si.psp8 absent: install Debian's abinit-data"))
    func doctorChecksTheConfigsFiles() throws {
        let ok = try Preconv.run(ranks: 1, ["doctor", "--json", "--only", "pseudopotentials", "--config", siDojoConfig])
        #expect(ok.status == 0, "\(ok.stderr)")
        let line = try #require(try CheckLine.parse(ok.stdout).first)
        #expect(line.name == "pseudopotentials" && line.status == "PASS" && line.value.hasPrefix("Si \(siPsp8) sha256:"), "\(line)")

        let d = scratchDirectory("doctor-pp")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let broken = d + "/si.yaml"
        try String(contentsOfFile: siDojoConfig, encoding: .utf8).replacingOccurrences(of: siPsp8, with: "gone/Si.psp8")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try Preconv.run(ranks: 1, ["doctor", "--json", "--quick", "--config", broken])
        #expect(bad.status == 1, "\(bad.stderr)")
        let fail = try #require(try CheckLine.parse(bad.stdout).first { $0.name == "pseudopotentials" })
        #expect(fail.status == "FAIL" && fail.message.contains("pseudopotentials.files.Si: no such file '\(d)/gone/Si.psp8'"), "\(fail)")

        let usage = try Preconv.run(ranks: nil, ["doctor", "--only", "pseudopotentials"])
        #expect(usage.status == 2 && usage.stderr.contains("needs --config"), "\(usage.stderr)")
    }
}

/// Lower-case hex SHA-256 of a file, by coreutils' sha256sum.
func sha256sum(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["sha256sum", path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
