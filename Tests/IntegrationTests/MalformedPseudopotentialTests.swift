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

    func write(into dir: URL) throws {
        switch self {
        case let .text(name, text): try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        case let .bytes(name, bytes): try Data(bytes).write(to: dir.appendingPathComponent(name))
        case let .directory(name): try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
        case let .copy(name, from): try FileManager.default.copyItem(atPath: from, toPath: dir.appendingPathComponent(name).path)
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

/// UPF situations (PAW or ultrasoft UPF, UPF v1, a missing PP_MESH, …) go here, one
/// `BrokenPseudopotential` each with `.text("Si.upf", …)` fixtures, once UPF files are read.
let upfCases: [BrokenPseudopotential] = [
]

/// Broken pseudopotentials through the real executable: `preconv-mpi scf CONFIG` refuses each
/// before any calculation with exit status 2 and exactly one stderr line naming the field, the
/// file and the problem. `SHOW_LINES=1` prints each case's line.
@Suite(.enabled(if: dojoInstalled, "PseudoDojo psp8 files absent: install Debian's abinit-data"))
struct MalformedPseudopotentialIntegration {
    @Test func fifteenPsp8Situations() { #expect(psp8Cases.count == 15) }

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
