import Bindings
import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

private let dojoDirectory = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
private let dojoInstalled = FileManager.default.fileExists(atPath: dojoDirectory + "/Si.psp8")
private let dojoMissing: Comment = "PseudoDojo psp8 files absent (\(dojoDirectory)): install Debian's abinit-data (make test does)"

/// Si diamond with `pseudopotentials` and `functional` as given.
private func siliconYAML(pseudopotentials: String, functional: String = "PBE") -> String {
    """
    name: si-files
    structure:
      lattice: {bravais: fcc, a: 10.26 bohr}
      atoms:
        - {species: Si, position: [0, 0, 0]}
        - {species: Si, position: [0.25, 0.25, 0.25]}
    pseudopotentials: \(pseudopotentials)
    functional: \(functional)
    basis: {ecut: 20 Ha, kmesh: 4x4x4}

    """
}

@Suite("Pseudopotential files", .enabled(if: dojoInstalled, dojoMissing))
struct PseudopotentialFileConfigTests {
    @Test("files: a psp8 file per element, relative to the config's directory or absolute, kept by overrides")
    func reads() throws {
        let base = URL(fileURLWithPath: dojoDirectory)
        let c = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: Si.psp8}}"), baseDirectory: base)
        let pp = try #require(c.model.pseudopotentials["Si"] as? NormConservingPseudopotential)
        #expect(pp.zion == 4 && pp.name == "Si.psp8" && pp.hasCoreCharge)
        #expect(c.electronCount == 8)
        let file = try #require(c.pseudopotentialFiles["Si"])
        #expect(file.path == dojoDirectory + "/Si.psp8" && file.pspxc == 11)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file.path))
        #expect(file.sha256 == sha256Hex(bytes) && file.sha256.count == 64)
        #expect(c.pseudopotentialLabel("Si") == "Si.psp8 sha256:\(file.sha256)")
        #expect(c.pseudopotentialFamily == "psp8")
        #expect(c.warnings.isEmpty, "\(c.warnings)")

        let absolute = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(dojoDirectory)/Si.psp8}}"))
        #expect(absolute.pseudopotentialFiles["Si"]?.sha256 == file.sha256)

        let o = try c.applying(ConfigOverrides(ecut: "25 Ha", kmesh: "2x2x2", a: "10.3 bohr"))
        #expect(o.model.pseudopotentials["Si"] is NormConservingPseudopotential)
        #expect(o.pseudopotentialFiles["Si"]?.sha256 == file.sha256)
        #expect(PhysicsIdentity(config: o).pseudopotentials == PhysicsIdentity(config: c).pseudopotentials)
    }

    @Test("the file's checksum is part of the physics identity")
    func identity() throws {
        let files = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(dojoDirectory)/Si.psp8}}"))
        let gth = try Config.parse(yaml: siliconYAML(pseudopotentials: "{family: GTH-PBE}"))
        let a = PhysicsIdentity(config: files), b = PhysicsIdentity(config: gth)
        #expect(a.pseudopotentials.contains("Si Si.psp8 sha256:\(files.pseudopotentialFiles["Si"]!.sha256)"), "\(a.pseudopotentials)")
        #expect(a.differences(from: b).count == 1 && a.differences(from: b)[0].hasPrefix("pseudopotentials"))
        #expect(b.pseudopotentials == "GTH-PBE Si q4", "GTH identities unchanged")
    }

    @Test("a wrong functional, a missing file, another element's file are one InputError at pseudopotentials.files.Si",
          arguments: [
              ("{files: {Si: \(dojoDirectory)/Si.psp8}}", "LDA", ["the file's functional is PBE (pspxc 11), but functional is LDA"]),
              ("{files: {Si: nowhere/Si.psp8}}", "PBE", ["no such file", "nowhere/Si.psp8"]),
              ("{files: {Si: \(dojoDirectory)/Ga.psp8}}", "PBE", ["the file is for Z = 31, not Si (Z = 14)", "Ga.psp8"]),
              ("{files: {Si: \(dojoDirectory)}}", "PBE", ["is a directory, not a pseudopotential file", "pseudopotentials.directory"]),
          ])
    func errors(_ pseudopotentials: String, _ functional: String, _ expected: [String]) throws {
        do {
            _ = try Config.parse(yaml: siliconYAML(pseudopotentials: pseudopotentials, functional: functional), file: "si.yaml")
            Issue.record("accepted \(pseudopotentials)")
        } catch let e as InputError {
            #expect(e.field == "pseudopotentials.files.Si", "\(e)")
            #expect(e.file == "si.yaml" && e.line == 7, "\(e)")
            for text in expected { #expect(e.description.contains(text), "\(e)") }
            #expect(!e.description.contains("\n"))
        }
    }

    @Test("an element without a file or family, and a valence without a family, are errors")
    func missing() throws {
        for (pp, field, text) in [
            ("{files: {As: \(dojoDirectory)/As.psp8}}", "pseudopotentials.files", "no file for Si"),
            ("{files: {Si: \(dojoDirectory)/Si.psp8}, valence: {Si: 4}}", "pseudopotentials.valence", "give the family"),
        ] {
            do {
                _ = try Config.parse(yaml: siliconYAML(pseudopotentials: pp))
                Issue.record("accepted \(pp)")
            } catch let e as InputError {
                #expect(e.field == field && e.message.contains(text), "\(e)")
            }
        }
    }

    @Test("GTH for some elements, files for others")
    func mixed() throws {
        let yaml = siliconYAML(pseudopotentials: "{family: GTH-PBE, valence: {Ga: 3}, files: {As: \(dojoDirectory)/As.psp8}}")
            .replacingOccurrences(of: "{species: Si, position: [0, 0, 0]}", with: "{species: Ga, position: [0, 0, 0]}")
            .replacingOccurrences(of: "{species: Si, position: [0.25", with: "{species: As, position: [0.25")
        let c = try Config.parse(yaml: yaml)
        #expect(c.model.pseudopotentials["Ga"] is GTHPseudopotential)
        #expect(c.model.pseudopotentials["As"] is NormConservingPseudopotential)
        #expect(c.pseudopotentialFamily == "GTH-PBE" && c.pseudopotentialFiles.keys.sorted() == ["As"])
        #expect(PhysicsIdentity(config: c).pseudopotentials.hasPrefix("GTH-PBE Ga q3, As As.psp8 sha256:"), "\(PhysicsIdentity(config: c).pseudopotentials)")
    }

    // MARK: directory form

    /// A temporary directory holding copies of the named PseudoDojo files (as `<name>` → `<as>`).
    private func family(_ files: [(String, String)]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pp-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (source, name) in files {
            try FileManager.default.copyItem(atPath: dojoDirectory + "/" + source, toPath: dir.appendingPathComponent(name).path)
        }
        return dir
    }

    private func galliumArsenide(_ pseudopotentials: String) -> String {
        siliconYAML(pseudopotentials: pseudopotentials)
            .replacingOccurrences(of: "{species: Si, position: [0, 0, 0]}", with: "{species: Ga, position: [0, 0, 0]}")
            .replacingOccurrences(of: "{species: Si, position: [0.25", with: "{species: As, position: [0.25")
    }

    @Test("directory: <El>.psp8 per element, relative to the config's directory, same checksum as through files")
    func directory() throws {
        let dir = try family([("Si.psp8", "Si.psp8"), ("As.psp8", "As.psp8")])
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try Config.parse(yaml: siliconYAML(pseudopotentials: "{directory: \(dir.lastPathComponent)}"),
                                 baseDirectory: dir.deletingLastPathComponent())
        let file = try #require(c.pseudopotentialFiles["Si"])
        #expect(file.path == dir.appendingPathComponent("Si.psp8").path)
        #expect(c.pseudopotentialFiles.keys.sorted() == ["Si"], "only the structure's elements are read")
        let viaFiles = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(dojoDirectory)/Si.psp8}}"))
        #expect(file.sha256 == viaFiles.pseudopotentialFiles["Si"]!.sha256)
        #expect(c.pseudopotentialFamily == "psp8" && c.electronCount == 8 && c.warnings.isEmpty)
        #expect(Config.pseudopotentialKeys.contains("directory") && Config.pseudopotentialKeys.contains("allow_functional_mismatch"))
    }

    @Test("files win over the directory, the directory over the family")
    func precedence() throws {
        let dir = try family([("Ga.psp8", "Ga.psp8"), ("As.psp8", "As.psp8")])
        defer { try? FileManager.default.removeItem(at: dir) }
        let low = dojoDirectory + "/Ga.psp8"   // the same file elsewhere: files: wins by its path
        let c = try Config.parse(yaml: galliumArsenide("{directory: \(dir.path), files: {Ga: \(low)}, family: GTH-PBE}"))
        #expect(c.pseudopotentialFiles["Ga"]?.path == low)
        #expect(c.pseudopotentialFiles["As"]?.path == dir.appendingPathComponent("As.psp8").path)
        #expect(c.pseudopotentialFamily == "GTH-PBE")

        // As missing from the directory: the family's table
        try FileManager.default.removeItem(at: dir.appendingPathComponent("As.psp8"))
        let g = try Config.parse(yaml: galliumArsenide("{directory: \(dir.path), family: GTH-PBE, valence: {As: 5}}"))
        #expect(g.pseudopotentialFiles.keys.sorted() == ["Ga"])
        #expect(g.model.pseudopotentials["As"] is GTHPseudopotential && g.pseudopotentialLabel("As") == "GTH-PBE-q5")
    }

    @Test("directory errors: the element missing (names tried), two formats, no such directory, a file, a valence too",
          arguments: [
              ("missing", ["no file for Si in", "tried Si.psp8, Si.upf, Si.UPF", "pseudopotentials.files.Si"]),
              ("both", ["Si.psp8' and '", "Si.upf' exist; choose one with pseudopotentials.files.Si"]),
              ("nodir", ["no such directory"]),
              ("file", ["is a file, not a directory"]),
          ])
    func directoryErrors(_ situation: String, _ expected: [String]) throws {
        let dir = try family(situation == "missing" ? [("As.psp8", "As.psp8")] : [("Si.psp8", "Si.psp8"), ("Si.psp8", "Si.upf")])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = switch situation {
        case "nodir": dir.path + "/nowhere"
        case "file": dir.path + "/Si.psp8"
        default: dir.path
        }
        do {
            _ = try Config.parse(yaml: siliconYAML(pseudopotentials: "{directory: \(path)}"), file: "si.yaml")
            Issue.record("accepted \(situation)")
        } catch let e as InputError {
            #expect(e.field == "pseudopotentials.directory" && e.file == "si.yaml", "\(e)")
            for text in expected { #expect(e.message.contains(text), "\(e)") }
            #expect(!e.description.contains("\n"))
        }
    }

    @Test("a file found in the directory and a valence for its element are an error")
    func directoryAndValence() throws {
        let dir = try family([("Ga.psp8", "Ga.psp8")])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect {
            try Config.parse(yaml: galliumArsenide("{directory: \(dir.path), family: GTH-PBE, valence: {Ga: 3}}"))
        } throws: { e in
            (e as? InputError).map { $0.field == "pseudopotentials.directory" && $0.message.contains("pseudopotentials.valence.Ga") } ?? false
        }
    }

    // MARK: functional override

    @Test("allow_functional_mismatch: a warning naming both functionals, recorded in the physics identity")
    func functionalOverride() throws {
        let lda = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pw_standard_psp8/Si.psp8"
        try #require(FileManager.default.fileExists(atPath: lda), "PseudoDojo LDA (pw) files absent: install Debian's abinit-data")
        do {
            _ = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(lda)}}"))
            Issue.record("an LDA file with functional PBE was accepted")
        } catch let e as InputError {
            #expect(e.message.contains("the file's functional is LDA") && e.message.contains("but functional is PBE"), "\(e)")
            #expect(e.message.contains("allow_functional_mismatch: true"), "\(e)")
        }
        let c = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(lda)}, allow_functional_mismatch: true}"))
        let file = try #require(c.pseudopotentialFiles["Si"])
        #expect(file.functionalMismatch?.contains("LDA") == true)
        #expect(c.warnings.count == 1, "\(c.warnings)")
        #expect(c.warnings.first?.hasPrefix("pseudopotentials.files.Si: the file's functional is LDA") == true, "\(c.warnings)")
        #expect(c.warnings.first?.contains("functional is PBE") == true && c.warnings.first?.contains(lda) == true)
        let identity = PhysicsIdentity(config: c).pseudopotentials
        #expect(identity.contains("allowed functional mismatch: the file's functional is LDA"), "\(identity)")
        // the same file with a matching functional: no warning, no mismatch in the identity
        let matching = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(lda)}, allow_functional_mismatch: true}", functional: "LDA"))
        #expect(matching.warnings.isEmpty && matching.pseudopotentialFiles["Si"]?.functionalMismatch == nil)
        #expect(!PhysicsIdentity(config: matching).pseudopotentials.contains("mismatch"))
        #expect(PhysicsIdentity(config: matching).pseudopotentials != identity)
    }
}

@Suite("UPF pseudopotential files", .enabled(if: qepseudosInstalled, Comment(rawValue: qepseudosMissingMessage)))
struct UPFFileConfigTests {
    @Test("files: a UPF file (by its .upf/.UPF extension) is read, its functional checked and its format kept")
    func reads() throws {
        let c = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(qepseudosDirectory)/LDA/Si.UPF}}", functional: "PW92"))
        let file = try #require(c.pseudopotentialFiles["Si"])
        #expect(file.format == .upf && file.pspxc == nil && file.functionalLabel == "SLA  PW   NOGX NOGC")
        let pp = try #require(c.model.pseudopotentials["Si"] as? NormConservingPseudopotential)
        #expect(pp.zion == 4 && pp.name == "Si.UPF" && pp.hasCoreCharge && pp.hasValenceDensity)
        #expect(c.pseudopotentialLabel("Si") == "Si.UPF sha256:\(file.sha256)")
        // a lower-case extension, in a directory of its own
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: qepseudosDirectory + "/LDA/Si.UPF", toPath: dir.path + "/si.upf")
        let lower = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: si.upf}}", functional: "LDA"), baseDirectory: dir)
        #expect(lower.pseudopotentialFiles["Si"]?.format == .upf && lower.pseudopotentialFiles["Si"]?.sha256 == file.sha256)
        let psp8 = try? Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: /usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8}}"))
        if let psp8 { #expect(psp8.pseudopotentialFiles["Si"]?.format == .psp8 && psp8.pseudopotentialFiles["Si"]?.functionalLabel == "pspxc 11") }
    }

    @Test("a wrong or unknown functional, another element's UPF file, a broken UPF file: one InputError at pseudopotentials.files.Si")
    func errors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: qepseudosDirectory + "/LDA/Si.UPF", encoding: .utf8)
        try text.replacingOccurrences(of: "functional=\"SLA  PW   NOGX NOGC\"", with: "functional=\"SLA B88 LYP BLYP\"")
            .write(toFile: dir.path + "/blyp.UPF", atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "pseudo_type=\"NC\"", with: "pseudo_type=\"US\"")
            .write(toFile: dir.path + "/us.UPF", atomically: true, encoding: .utf8)
        for (pp, functional, expected) in [
            ("\(qepseudosDirectory)/LDA/Si.UPF", "PBE", ["the file's functional is LDA ('SLA  PW   NOGX NOGC'), but functional is PBE", "Si.UPF"]),
            ("\(qepseudosDirectory)/PBE/Si.UPF", "LDA", ["the file's functional is PBE ('PBE'), but functional is LDA"]),
            ("\(dir.path)/blyp.UPF", "PW92", ["the file's functional ('SLA B88 LYP BLYP') is one this program cannot check", "blyp.UPF"]),
            ("\(qepseudosDirectory)/LDA/Ga.UPF", "PW92", ["the file is for Ga, not Si", "Ga.UPF"]),
            ("\(dir.path)/us.UPF", "PW92", ["ultrasoft pseudopotentials are not supported", "us.UPF"]),
        ] {
            do {
                _ = try Config.parse(yaml: siliconYAML(pseudopotentials: "{files: {Si: \(pp)}}", functional: functional), file: "si.yaml")
                Issue.record("accepted \(pp) with \(functional)")
            } catch let e as InputError {
                #expect(e.field == "pseudopotentials.files.Si" && e.file == "si.yaml" && e.line == 7, "\(e)")
                for t in expected { #expect(e.description.contains(t), "\(e)") }
                #expect(!e.description.contains("\n"))
            }
        }
    }
}
