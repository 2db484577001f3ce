import Foundation
import Testing
import Doctor

private let pbeSilicon = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"
private let ldaSilicon = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pw_standard_psp8/Si.psp8"

/// The `pseudopotentials` check of `doctor --config`: PASS for files that exist, parse and match the
/// functional; FAIL with the config's one-line error otherwise; WARN for a mismatch let through.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: pbeSilicon) && FileManager.default.fileExists(atPath: ldaSilicon),
                "PseudoDojo psp8 files absent: install Debian's abinit-data"))
struct DoctorPseudopotentials {
    /// Writes a Si config with `pseudopotentials` (and a scan section, which the check must accept).
    func config(_ pseudopotentials: String, functional: String = "PBE") throws -> (String, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-pp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("si.yaml").path
        try Data("""
        structure:
          lattice: {bravais: fcc, a: 10.26 bohr}
          atoms: [{species: Si, position: [0, 0, 0]}, {species: Si, position: [0.25, 0.25, 0.25]}]
        pseudopotentials: \(pseudopotentials)
        functional: \(functional)
        basis: {ecut: 20 Ha, kmesh: 4x4x4}
        stages: {mode: grid}

        """.utf8).write(to: URL(fileURLWithPath: path))
        return (path, dir)
    }

    @Test func passesForAMatchingFile() throws {
        let (path, dir) = try config("{files: {Si: \(pbeSilicon)}}")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = PseudopotentialsCheck(config: path).assess()
        #expect(r.name == "pseudopotentials" && r.status == .pass, "\(r)")
        #expect(r.value.hasPrefix("Si \(pbeSilicon) sha256:"), "\(r.value)")
        #expect(r.message == "every file matches functional PBE")
        #expect(Doctor.allChecks(DoctorOptions(config: path)).map(\.name).last == "pseudopotentials")
        #expect(Doctor.quickChecks(DoctorOptions(config: path)).map(\.name).contains("pseudopotentials"))
        #expect(!Doctor.allChecks(DoctorOptions()).map(\.name).contains("pseudopotentials"))
    }

    @Test(arguments: [
        ("{files: {Si: nowhere.psp8}}", "PBE", ["pseudopotentials.files.Si", "no such file", "nowhere.psp8"]),
        ("{files: {Si: \(pbeSilicon)}}", "LDA", ["pseudopotentials.files.Si", "the file's functional is PBE", "but functional is LDA", "Si.psp8"]),
        ("{directory: .}", "PBE", ["pseudopotentials.directory", "no file for Si", "tried Si.psp8, Si.upf, Si.UPF"]),
    ])
    func failsWithTheOneLineReason(_ pseudopotentials: String, _ functional: String, _ expected: [String]) throws {
        let (path, dir) = try config(pseudopotentials, functional: functional)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = PseudopotentialsCheck(config: path).assess()
        #expect(r.status == .fail, "\(r)")
        #expect(r.value == path)
        #expect(!r.message.contains("\n"))
        #expect(r.message.contains("si.yaml"), "\(r.message)")
        for e in expected { #expect(r.message.contains(e), "\(r.message)") }
    }

    @Test func warnsForAnAllowedMismatch() throws {
        let (path, dir) = try config("{files: {Si: \(ldaSilicon)}, allow_functional_mismatch: true}")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = PseudopotentialsCheck(config: path).assess()
        #expect(r.status == .warn, "\(r)")
        #expect(r.message.contains("the file's functional is LDA") && r.message.contains("functional is PBE"), "\(r.message)")
    }

    @Test func failsForAMissingConfig() {
        let r = PseudopotentialsCheck(config: "/nonexistent/si.yaml").assess()
        #expect(r.status == .fail && r.message.contains("no such file"), "\(r)")
    }
}
