import Bindings
import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

/// A valid config; each case below edits it (the edit must apply) and expects a InputError.
let baseYAML = """
    name: test
    structure:
      lattice: {bravais: fcc, a: 5.653 Å}
      atoms:
        - {species: Ga, position: [0, 0, 0]}
        - {species: As, position: [0.25, 0.25, 0.25]}
    pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}
    functional: PBE
    smearing: {type: fermi-dirac, width: 0.01 Ha}
    basis:
      ecut: 25 Ha
      kmesh: 4x4x4
    scf: {max_iterations: 50, mixing: {damping: 0.7}}
    """

struct MalformedCase: Sendable, CustomStringConvertible {
    let label: String
    /// Text replacements applied to `baseYAML` (each must occur).
    let edits: [(String, String)]
    /// Expected fragments of the error description (the first is the field path).
    let expected: [String]
    /// Expected line, if checked.
    var line: Int? = nil
    /// Whole document instead of edits.
    var document: String? = nil
    var description: String { label }

    init(_ label: String, _ edits: [(String, String)], _ expected: [String], line: Int? = nil) {
        self.label = label; self.edits = edits; self.expected = expected; self.line = line
    }
    init(_ label: String, document: String, _ expected: [String], line: Int? = nil) {
        self.label = label; self.edits = []; self.expected = expected; self.line = line; self.document = document
    }
}

let malformedCases: [MalformedCase] = [
    // Basis: values, units, types.
    MalformedCase("negative ecut", [("ecut: 25 Ha", "ecut: -5 Ha")], ["basis.ecut: -5 Ha must be positive"], line: 11),
    MalformedCase("zero ecut", [("ecut: 25 Ha", "ecut: 0")], ["basis.ecut: 0 must be positive"], line: 11),
    MalformedCase("ecut not a number", [("ecut: 25 Ha", "ecut: lots")], ["basis.ecut: 'lots' is not a number", "Ha, mHa, Ry"]),
    MalformedCase("ecut unknown unit", [("ecut: 25 Ha", "ecut: 25 kcal")], ["basis.ecut: '25 kcal' has unknown unit 'kcal'", "allowed units: Ha"]),
    MalformedCase("ecut is a list", [("ecut: 25 Ha", "ecut: [25]")], ["basis.ecut: expected an energy with a unit", "got a list"]),
    MalformedCase("ecut absurdly large", [("ecut: 25 Ha", "ecut: 1e5 eV")], ["basis.ecut", "implausibly large"]),
    MalformedCase("missing ecut", [("  ecut: 25 Ha\n", "")], ["basis.ecut: is required"]),
    MalformedCase("empty k-mesh string", [("kmesh: 4x4x4", "kmesh: ''")], ["basis.kmesh: is empty"], line: 12),
    MalformedCase("empty k-mesh list", [("kmesh: 4x4x4", "kmesh: []")], ["basis.kmesh: is empty"]),
    MalformedCase("zero k-mesh", [("kmesh: 4x4x4", "kmesh: 4x0x4")], ["basis.kmesh: '4x0x4' must be positive integers"]),
    MalformedCase("two-component k-mesh", [("kmesh: 4x4x4", "kmesh: [4, 4]")], ["basis.kmesh", "expected three"]),
    MalformedCase("non-integer k-mesh", [("kmesh: 4x4x4", "kmesh: [4, 4.5, 4]")], ["basis.kmesh[1]: '4.5' is not an integer"]),
    MalformedCase("bad k shift", [("kmesh: 4x4x4", "kmesh: 4x4x4\n  kshift: [1, 0, 0]")], ["basis.kshift[0]: 1 must be 0", "0.5"]),
    MalformedCase("too few bands", [("kmesh: 4x4x4", "kmesh: 4x4x4\n  bands: 3")], ["basis.bands: 3 bands cannot hold 8 electrons"]),
    MalformedCase("missing basis", [("basis:\n  ecut: 25 Ha\n  kmesh: 4x4x4\n", "")], ["basis: is required"]),
    // Unknown keys.
    MalformedCase("unknown basis key", [("kmesh: 4x4x4", "kmsh: 4x4x4")], ["basis.kmsh: unknown key 'kmsh'", "did you mean 'kmesh'", "allowed keys in basis: ecut, kmesh"], line: 12),
    MalformedCase("unknown top-level key", [("functional: PBE", "functional: PBE\nstages: []")], ["stages: unknown key 'stages'", "allowed keys at the top level: name, structure"], line: 9),
    MalformedCase("unknown atom key", [("{species: Ga, position", "{species: Ga, charge: 1, position")], ["structure.atoms[0].charge: unknown key"]),
    MalformedCase("unknown scf mixing key", [("damping: 0.7", "dampning: 0.7")], ["scf.mixing.dampning: unknown key", "did you mean 'damping'"]),
    // Structure.
    MalformedCase("unknown element", [("{species: As,", "{species: Xx,")], ["structure.atoms[1].species: unknown element 'Xx'"], line: 6),
    MalformedCase("lower-case element", [("{species: As,", "{species: as,")], ["structure.atoms[1].species: unknown element 'as'", "did you mean 'As'"]),
    MalformedCase("overlapping atoms", [("[0.25, 0.25, 0.25]", "[0.01, 0, 0]")], ["structure.atoms[1]", "apart (minimum 0.5 Å)"], line: 6),
    MalformedCase("position with two values", [("[0.25, 0.25, 0.25]", "[0.25, 0.25]")], ["structure.atoms[1].position: expected three reduced coordinates"]),
    MalformedCase("position not numeric", [("[0.25, 0.25, 0.25]", "[0.25, quarter, 0.25]")], ["structure.atoms[1].position[1]: 'quarter' is not a number"]),
    MalformedCase("atoms is a string", [("  atoms:\n    - {species: Ga, position: [0, 0, 0]}\n    - {species: As, position: [0.25, 0.25, 0.25]}", "  atoms: GaAs")], ["structure.atoms: expected a list of atoms"]),
    MalformedCase("no atoms", [("  atoms:\n    - {species: Ga, position: [0, 0, 0]}\n    - {species: As, position: [0.25, 0.25, 0.25]}", "  atoms: []")], ["structure.atoms: is empty"]),
    MalformedCase("zero lattice constant", [("a: 5.653 Å", "a: 0 Å")], ["structure.lattice.a: 0 Å must be positive"], line: 3),
    MalformedCase("negative lattice constant", [("a: 5.653 Å", "a: -3 Å")], ["structure.lattice.a: -3 Å must be positive"], line: 3),
    MalformedCase("absurd lattice constant", [("a: 5.653 Å", "a: 5653 Å")], ["structure.lattice.a: 5653 Å is implausibly large"]),
    MalformedCase("lattice constant without unit", [("a: 5.653 Å", "a: 5.653")], ["structure.lattice.a: '5.653' needs a unit", "bohr, Å"]),
    MalformedCase("missing lattice constant", [("{bravais: fcc, a: 5.653 Å}", "{bravais: fcc}")], ["structure.lattice.a: is required with bravais: fcc"]),
    MalformedCase("unknown Bravais lattice", [("bravais: fcc", "bravais: hcp")], ["structure.lattice.bravais: 'hcp' is not one of fcc, bcc, sc"]),
    MalformedCase("vectors without unit", [("{bravais: fcc, a: 5.653 Å}", "{vectors: [[0, 5, 5], [5, 0, 5], [5, 5, 0]]}")], ["structure.lattice.unit: is required with vectors"]),
    MalformedCase("left-handed vectors", [("{bravais: fcc, a: 5.653 Å}", "{vectors: [[5, 5, 0], [5, 0, 5], [0, 5, 5]], unit: bohr}")], ["structure.lattice", "left-handed"]),
    MalformedCase("degenerate vectors", [("{bravais: fcc, a: 5.653 Å}", "{vectors: [[1, 0, 0], [2, 0, 0], [0, 0, 1]], unit: Å}")], ["structure.lattice", "no volume"]),
    MalformedCase("poscar with atoms", [("  lattice: {bravais: fcc, a: 5.653 Å}", "  poscar: POSCAR")], ["structure.atoms: cannot be combined with structure.poscar"]),
    MalformedCase("missing POSCAR file", [("  lattice: {bravais: fcc, a: 5.653 Å}\n  atoms:\n    - {species: Ga, position: [0, 0, 0]}\n    - {species: As, position: [0.25, 0.25, 0.25]}", "  poscar: no-such-dir/POSCAR")], ["structure.poscar: cannot read POSCAR", "no such file"], line: 3),
    // Pseudopotentials, functional, smearing, scf.
    MalformedCase("unknown valence", [("Ga: 3", "Ga: 7")], ["pseudopotentials.valence.Ga: no GTH-PBE-q7 pseudopotential for Ga", "available valences: q3, q13"], line: 7),
    MalformedCase("valence of the wrong family", [("Ga: 3", "Ga: GTH-PADE-q3")], ["pseudopotentials.valence.Ga", "not in the family GTH-PBE"]),
    MalformedCase("unknown family", [("family: GTH-PBE", "family: GTH-BLYP")], ["pseudopotentials.family: 'GTH-BLYP' is not one of GTH-PBE, GTH-PADE"]),
    MalformedCase("valence for an unknown element", [("As: 5}", "As: 5, Qq: 1}")], ["pseudopotentials.valence.Qq: unknown element 'Qq'"]),
    MalformedCase("unknown functional", [("functional: PBE", "functional: B3LYP")], ["functional: 'B3LYP' is not one of LDA"], line: 8),
    MalformedCase("functional is a mapping", [("functional: PBE", "functional: {name: PBE}")], ["functional: expected a functional name, got a mapping"]),
    MalformedCase("unknown smearing type", [("type: fermi-dirac", "type: foo")], ["smearing.type: 'foo' is not one of none, fermi-dirac, gaussian, marzari-vanderbilt (alias cold), methfessel-paxton"], line: 9),
    MalformedCase("missing smearing width", [("{type: fermi-dirac, width: 0.01 Ha}", "{type: gaussian}")], ["smearing.width: is required"]),
    // Spin.
    MalformedCase("spin moment too large", [("smearing: {type: fermi-dirac, width: 0.01 Ha}", "smearing: {type: fermi-dirac, width: 0.01 Ha}\nspin: {polarized: true, moments: {Ga: 5}}")],
                  ["spin.moments", "5.0 μB on atom 0 (Ga) is not within ±3 μB"]),
    MalformedCase("spin moment of an absent species", [("smearing: {type: fermi-dirac, width: 0.01 Ha}", "smearing: {type: fermi-dirac, width: 0.01 Ha}\nspin: {polarized: true, moments: {Fe: 2}}")],
                  ["spin.moments.Fe", "'Fe' is not a species of the structure (As, Ga)"]),
    MalformedCase("spin moments per atom, wrong count", [("smearing: {type: fermi-dirac, width: 0.01 Ha}", "smearing: {type: fermi-dirac, width: 0.01 Ha}\nspin: {polarized: true, moments: [1, 2, 3]}")],
                  ["spin.moments", "3 moments for 2 atoms"]),
    MalformedCase("spin moment not a number", [("smearing: {type: fermi-dirac, width: 0.01 Ha}", "smearing: {type: fermi-dirac, width: 0.01 Ha}\nspin: {polarized: true, moments: {Ga: big}}")],
                  ["spin.moments.Ga", "a magnetic moment in μB"]),
    MalformedCase("spin without smearing", [("smearing: {type: fermi-dirac, width: 0.01 Ha}", "smearing: none\nspin: {polarized: true, moments: {Ga: 1}}")],
                  ["smearing", "needs a smearing"]),
    MalformedCase("spin unknown key", [("smearing: {type: fermi-dirac, width: 0.01 Ha}", "smearing: {type: fermi-dirac, width: 0.01 Ha}\nspin: {polarised: true}")],
                  ["spin", "unknown key 'polarised'", "polarized, moments"]),
    MalformedCase("negative smearing width", [("width: 0.01 Ha", "width: -0.01 Ha")], ["smearing.width: -0.01 Ha must be positive"]),
    MalformedCase("zero max iterations", [("max_iterations: 50", "max_iterations: 0")], ["scf.max_iterations: 0 must be at least 1"]),
    MalformedCase("max iterations not an integer", [("max_iterations: 50", "max_iterations: 5.5")], ["scf.max_iterations: '5.5' is not an integer"]),
    MalformedCase("mixing damping out of range", [("damping: 0.7", "damping: 1.5")], ["scf.mixing.damping: must be in (0, 1]"], line: 13),
    MalformedCase("magnetization mixing factor not positive", [("damping: 0.7", "damping: 0.7, magnetization_factor: 0")],
                  ["scf.mixing.magnetization_factor: must be a positive number, got 0.0"]),
    MalformedCase("unknown eigensolver", [("max_iterations: 50", "max_iterations: 50, eigensolver: davidson")], ["scf.eigensolver: 'davidson' is not one of lobpcg, dense"]),
    MalformedCase("bad name", [("name: test", "name: my run/1")], ["name: 'my run/1' must be a non-empty name"], line: 1),
    // Documents.
    MalformedCase("YAML syntax error", [("basis:\n  ecut: 25 Ha", "basis:\n  ecut: [25 Ha")], ["YAML syntax error at line 12", "flow sequence at line 11"], line: 12),
    MalformedCase("YAML indentation error", [("  kmesh: 4x4x4", "    kmesh: 4x4x4")], ["YAML syntax error at line 12"], line: 12),
    MalformedCase("duplicate key", [("functional: PBE", "functional: PBE\nfunctional: LDA")], ["duplicate key 'functional'"], line: 8),
    MalformedCase("empty document", document: "", ["the config is empty"]),
    MalformedCase("document is a list", document: "- 1\n- 2\n", ["expected a mapping of sections (name, structure"]),
    MalformedCase("document is a scalar", document: "hello", ["expected a mapping of sections"]),
]

@Suite("Malformed configs")
struct MalformedConfigTests {
    @Test("the table has enough cases")
    func count() { #expect(malformedCases.count >= 15) }

    @Test("each malformed config gives a one-line InputError naming the field", arguments: malformedCases)
    func malformed(_ c: MalformedCase) throws {
        var text = baseYAML
        for (old, new) in c.edits {
            #expect(text.contains(old), "\(c.label): fixture edit '\(old)' does not apply")
            text = text.replacingOccurrences(of: old, with: new)
        }
        if let d = c.document { text = d }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("case.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            let config = try Config.load(path: path)
            Issue.record("\(c.label): accepted (\(config.summary))")
        } catch let e as InputError {
            for fragment in c.expected {
                #expect(e.description.contains(fragment), "\(c.label): '\(e)' lacks '\(fragment)'")
            }
            #expect(!e.description.contains("\n"), "\(c.label): multi-line description")
            #expect(e.file == path, "\(c.label): \(e)")
            if let line = c.line { #expect(e.line == line, "\(c.label): \(e)") }
        } catch {
            Issue.record("\(c.label): not a InputError: \(type(of: error)) \(error)")
        }
    }

    @Test("the base config is valid")
    func baseIsValid() throws {
        let c = try Config.parse(yaml: baseYAML)
        #expect(c.electronCount == 8 && c.name == "test")
    }

    @Test("a missing config file is a InputError")
    func missingFile() {
        do {
            _ = try Config.load(path: "/nonexistent/dir/config.yaml")
            Issue.record("accepted")
        } catch let e as InputError {
            #expect(e.description.contains("cannot read config file '/nonexistent/dir/config.yaml': no such file"), "\(e)")
        } catch {
            Issue.record("not a InputError: \(error)")
        }
    }

    @Test("descriptions: path, message, file and line on one line")
    func descriptionFormat() {
        #expect(InputError("basis.ecut", "-5 Ha must be positive", file: "gaas.yaml", line: 11).description
                == "basis.ecut: -5 Ha must be positive (gaas.yaml, line 11)")
        #expect(InputError("", "the config is empty").description == "the config is empty")
        #expect(InputError("x", "a\nb").description == "x: a; b")
    }
}
