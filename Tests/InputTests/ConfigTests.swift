import Bindings
import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

@Suite("Shipped configs")
struct ShippedConfigTests {
    @Test("config/gaas-pbe.yaml")
    func gaas() throws {
        let c = try Config.load(path: configDirectory.appendingPathComponent("gaas-pbe.yaml").path)
        #expect(c.name == "gaas-pbe")
        #expect(c.structure.source == .bravais(.fcc))
        let a = try #require(c.structure.latticeConstant)
        #expect(abs(a - 10.6826) < 1e-4)
        #expect(approx(c.crystal.lattice.vectors[0], SIMD3(0, a / 2, a / 2)))
        #expect(approx(c.crystal.lattice.vectors[1], SIMD3(a / 2, 0, a / 2)))
        #expect(approx(c.crystal.lattice.vectors[2], SIMD3(a / 2, a / 2, 0)))
        #expect(c.crystal.atoms == [Atom("Ga", .zero), Atom("As", SIMD3(repeating: 0.25))])
        #expect(c.electronCount == 8)
        #expect(c.model.pseudopotentials["Ga"]?.name == "GTH-PBE-q3")
        #expect(c.model.pseudopotentials["As"]?.name == "GTH-PBE-q5")
        #expect((c.model.pseudopotentials["Ga"] as? GTHPseudopotential)?.rloc == 0.56)
        #expect(c.functional == .pbe)
        #expect(c.smearing == .fermiDirac(0.01))
        #expect(c.discretization.ecut == 25)
        #expect(c.discretization.kmesh == [4, 4, 4])
        #expect(c.discretization.kshift == [0, 0, 0])
        #expect(c.discretization.fftGrid == nil)
        #expect(c.discretization.bands == nil)
        #expect(c.discretization.useSymmetry)
        #expect(c.scf.energyTolerance == 1e-9)
        #expect(c.scf.densityTolerance == 1e-5)
        #expect(c.scf.maxIterations == 100)
        #expect(c.scf.mixingDamping == 0.7 && c.scf.mixingHistory == 8 && c.scf.kerkerWavevector == 0.8)
        #expect(c.scf.eigensolver == .lobpcg)
        #expect(c.warnings.isEmpty, "\(c.warnings)")
        #expect(c.summary.contains("gaas-pbe: GaAs"), "\(c.summary)")
    }

    @Test("config/si-lda.yaml")
    func silicon() throws {
        let c = try Config.load(path: configDirectory.appendingPathComponent("si-lda.yaml").path)
        #expect(c.name == "si-lda")
        #expect(c.structure.latticeConstant == 10.26)
        #expect(approx(c.crystal.lattice.vectors[2], SIMD3(5.13, 5.13, 0)))
        #expect(c.crystal.atoms.map(\.species) == ["Si", "Si"])
        #expect(c.electronCount == 8)
        let si = try #require(c.model.pseudopotentials["Si"] as? GTHPseudopotential)
        #expect(si.name == "GTH-PADE-q4" && si.rloc == 0.44 && si.c == [-7.33610297])
        #expect(c.functional == .lda)
        #expect(c.smearing == .none)
        #expect(c.discretization.ecut == 15)
        #expect(c.discretization.kmesh == [4, 4, 4])
        #expect(c.warnings.isEmpty, "\(c.warnings)")
    }

    @Test("config/si-dojo.yaml", .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"),
                                          "PseudoDojo Si.psp8 absent: install Debian's abinit-data (make test does)"))
    func siliconDojo() throws {
        let c = try Config.load(path: configDirectory.appendingPathComponent("si-dojo.yaml").path)
        #expect(c.name == "si-dojo")
        #expect(c.model.pseudopotentials["Si"] is NormConservingPseudopotential)
        #expect(c.pseudopotentialFiles["Si"]?.path == "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8")
        #expect(c.functional == .pbe && c.smearing == .none && c.electronCount == 8)
        #expect(c.discretization.ecut == 20 && c.discretization.kmesh == [4, 4, 4] && c.discretization.fftGrid == [30, 30, 30])
        #expect(c.discretization.bands == 4)
        #expect(c.warnings.isEmpty, "\(c.warnings)")
    }
}

@Suite("Config parsing")
struct ConfigParsingTests {
    static let vectorsYAML = """
        name: gaas-vectors
        structure:
          lattice:
            vectors: [[0, 2.8265, 2.8265], [2.8265, 0, 2.8265], [2.8265, 2.8265, 0]]
            unit: Å
            a: 5.653 Å
          atoms:
            - {species: Ga, position: [0, 0, 0]}
            - {species: As, position: [1/4, 1/4, 1/4]}
        pseudopotentials: {family: GTH-PBE, valence: {Ga: GTH-PBE-q3, As: q5}}
        functional: pbe
        smearing: {type: cold, width: 0.2 eV}
        basis: {ecut: 50 Ry, kmesh: [4, 4, 4], kshift: 0.5, fft_grid: 30x30x30, bands: 8, symmetry: false}
        scf: {energy_tolerance: 1e-6 eV/atom, mixing: {kerker: 1.0 1/Å}, eigensolver: dense}
        """

    @Test("vectors with a unit, fractions, valence specs, unit conversions everywhere")
    func vectors() throws {
        let c = try Config.parse(yaml: Self.vectorsYAML)
        let yaml = try Config.load(path: configDirectory.appendingPathComponent("gaas-pbe.yaml").path)
        #expect(c.structure.source == .vectors)
        for k in 0..<3 { #expect(approx(c.crystal.lattice.vectors[k], yaml.crystal.lattice.vectors[k], 1e-9)) }
        #expect(c.crystal.atoms == yaml.crystal.atoms)
        #expect(c.model.pseudopotentials.mapValues { $0 as? GTHPseudopotential } == yaml.model.pseudopotentials.mapValues { $0 as? GTHPseudopotential })
        #expect(c.smearing == .marzariVanderbilt(0.2 / 27.211386245988))
        #expect(c.discretization.ecut == 25)
        #expect(c.discretization.kshift == [1, 1, 1])
        #expect(c.discretization.fftGrid == [30, 30, 30])
        #expect(c.discretization.bands == 8)
        #expect(!c.discretization.useSymmetry)
        #expect(abs(c.scf.energyTolerance! - 2 * 1e-6 / 27.211386245988) < 1e-20)
        #expect(abs(c.scf.kerkerWavevector - 1 / 1.8897261246257702) < 1e-12)
        #expect(c.scf.eigensolver == .dense)
    }

    @Test("a config without valences takes the family defaults; mismatched functional warns")
    func defaultsAndWarnings() throws {
        let yaml = """
            structure:
              lattice: {bravais: fcc, a: 10.26, unit: bohr}
              atoms: [{species: Si, position: [0, 0, 0]}, {species: Si, position: [0.25, 0.25, 0.25]}]
            pseudopotentials: {family: GTH-LDA, valence: {Ge: 4}}
            functional: PBE
            smearing: none
            basis: {ecut: 15, kmesh: 2}
            """
        let c = try Config.parse(yaml: yaml, file: "/tmp/si-default.yaml")
        #expect(c.name == "si-default")
        #expect(c.pseudopotentialFamily == "GTH-PADE")
        #expect(c.model.pseudopotentials["Si"]?.name == "GTH-PADE-q4")
        #expect(c.discretization.ecut == 15 && c.discretization.kmesh == [2, 2, 2])
        #expect(c.structure.latticeConstant == 10.26)
        #expect(c.warnings.count == 2, "\(c.warnings)")
        #expect(c.warnings.contains { $0.contains("pseudopotentials.valence.Ge") })
        #expect(c.warnings.contains { $0.contains("fitted for LDA") })
    }

    @Test("overrides: ecut, kmesh and a (Bravais: replace a)")
    func overridesBravais() throws {
        let c = try Config.load(path: configDirectory.appendingPathComponent("gaas-pbe.yaml").path)
        let o = try c.applying(ConfigOverrides(ecut: "30 Ha", kmesh: "6x6x6", a: "5.7 Å"))
        #expect(o.discretization.ecut == 30)
        #expect(o.discretization.kmesh == [6, 6, 6])
        let a = 5.7 * 1.8897261246257702
        #expect(abs(o.structure.latticeConstant! - a) < 1e-12)
        #expect(o.crystal.lattice == Lattice.fcc(o.structure.latticeConstant!))
        #expect(o.crystal.atoms == c.crystal.atoms)
        #expect(o.electronCount == 8)
        // The original is unchanged; plain-number ecut is Ha.
        #expect(c.discretization.ecut == 25)
        #expect(try c.applying(ConfigOverrides(ecut: "40")).discretization.ecut == 40)
        #expect(try c.applying(ConfigOverrides(ecut: "60Ry")).discretization.ecut == 30)
        #expect(try c.applying(ConfigOverrides()).crystal == c.crystal)
    }

    @Test("overrides: vectors are scaled by a_new / a_old, and need a reference a")
    func overridesVectors() throws {
        let c = try Config.parse(yaml: Self.vectorsYAML)
        let o = try c.applying(ConfigOverrides(a: "11 bohr"))
        let f = 11 / (5.653 * 1.8897261246257702)
        for k in 0..<3 { #expect(approx(o.crystal.lattice.vectors[k], c.crystal.lattice.vectors[k] * f, 1e-9)) }
        #expect(o.structure.latticeConstant == 11)

        let noA = Self.vectorsYAML.replacingOccurrences(of: "    a: 5.653 Å\n", with: "")
        #expect(noA != Self.vectorsYAML)
        let c2 = try Config.parse(yaml: noA)
        #expect(c2.structure.latticeConstant == nil)
        #expect(try c2.applying(ConfigOverrides(ecut: "20 Ha")).discretization.ecut == 20)
        do {
            _ = try c2.applying(ConfigOverrides(a: "11 bohr"))
            Issue.record("rescaled without a reference a")
        } catch let e as InputError {
            #expect(e.field == "structure.lattice.a", "\(e)")
            #expect(e.message.contains("reference lattice constant"), "\(e)")
        }
    }

    @Test("bad overrides are InputErrors naming the field", arguments: [
        (ConfigOverrides(ecut: "-5 Ha"), "basis.ecut: -5 Ha must be positive"),
        (ConfigOverrides(ecut: "25 parsecs"), "basis.ecut: '25 parsecs' has unknown unit"),
        (ConfigOverrides(kmesh: "4x0x4"), "basis.kmesh"),
        (ConfigOverrides(kmesh: "four"), "basis.kmesh"),
        (ConfigOverrides(a: "5.7"), "structure.lattice.a: '5.7' needs a unit"),
        (ConfigOverrides(a: "0 Å"), "structure.lattice.a: 0 Å must be positive"),
        (ConfigOverrides(a: "-3 Å"), "structure.lattice.a: -3 Å must be positive"),
        (ConfigOverrides(a: "1 bohr"), "structure.atoms[1]"),   // atoms closer than 0.5 Å
    ])
    func badOverrides(_ o: ConfigOverrides, _ expected: String) throws {
        let c = try Config.load(path: configDirectory.appendingPathComponent("gaas-pbe.yaml").path)
        do {
            _ = try c.applying(o)
            Issue.record("accepted \(o)")
        } catch let e as InputError {
            #expect(e.description.contains(expected), "\(e)")
        }
    }
}

@Suite("POSCAR")
struct PoscarTests {
    static let direct = """
        GaAs zincblende
        5.653
          0.0 0.5 0.5
          0.5 0.0 0.5
          0.5 0.5 0.0
        Ga As
        1 1
        Direct
          0.00 0.00 0.00
          0.25 0.25 0.25
        """

    func yamlCrystal() throws -> Crystal {
        try Config.load(path: configDirectory.appendingPathComponent("gaas-pbe.yaml").path).crystal
    }

    func same(_ a: Crystal, _ b: Crystal) {
        for k in 0..<3 { #expect(approx(a.lattice.vectors[k], b.lattice.vectors[k], 1e-9), "a\(k + 1)") }
        #expect(a.atoms.map(\.species) == b.atoms.map(\.species))
        for (x, y) in zip(a.atoms, b.atoms) { #expect(approx(x.position, y.position, 1e-12), "\(x) vs \(y)") }
    }

    @Test("a GaAs POSCAR gives the same crystal as the YAML config")
    func direct() throws {
        let p = try Poscar.parse(Self.direct)
        #expect(p.comment == "GaAs zincblende")
        same(try p.crystal(), try yamlCrystal())
    }

    @Test("Cartesian coordinates, negative scale (= volume), selective dynamics, POTCAR-style labels")
    func variants() throws {
        let cartesian = Self.direct
            .replacingOccurrences(of: "Direct", with: "Selective dynamics\nCartesian")
            .replacingOccurrences(of: "0.25 0.25 0.25", with: "0.25 0.25 0.25 T T F")
            .replacingOccurrences(of: "Ga As", with: "Ga_d As")
        #expect(cartesian != Self.direct)
        same(try Poscar.parse(cartesian).crystal(), try yamlCrystal())
        let volume = 5.653 * 5.653 * 5.653 / 4
        let negative = Self.direct.replacingOccurrences(of: "\n5.653\n", with: "\n-\(volume)\n")
        #expect(negative != Self.direct)
        same(try Poscar.parse(negative).crystal(), try yamlCrystal())
        let scaled = Self.direct.replacingOccurrences(of: "\n5.653\n", with: "\n1.0\n")
            .replacingOccurrences(of: "0.5", with: "2.8265")
        same(try Poscar.parse(scaled).crystal(), try yamlCrystal())
    }

    @Test("a config naming a POSCAR next to it; a override scales by the given reference a")
    func fromConfig() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.direct.write(to: dir.appendingPathComponent("POSCAR"), atomically: true, encoding: .utf8)
        let yaml = """
            name: gaas-poscar
            structure: {poscar: POSCAR, a: 5.653 Å}
            pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}
            functional: PBE
            smearing: {type: fermi-dirac, width: 0.01 Ha}
            basis: {ecut: 25 Ha, kmesh: 4x4x4}
            """
        let path = dir.appendingPathComponent("gaas.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try Config.load(path: path)
        same(c.crystal, try yamlCrystal())
        #expect(c.electronCount == 8)
        let o = try c.applying(ConfigOverrides(a: "5.7 Å"))
        let yamlOverridden = try Config.load(path: configDirectory.appendingPathComponent("gaas-pbe.yaml").path)
            .applying(ConfigOverrides(a: "5.7 Å"))
        same(o.crystal, yamlOverridden.crystal)
        // Without the reference a the POSCAR cannot be rescaled.
        try yaml.replacingOccurrences(of: ", a: 5.653 Å", with: "").write(toFile: path, atomically: true, encoding: .utf8)
        let c2 = try Config.load(path: path)
        do {
            _ = try c2.applying(ConfigOverrides(a: "5.7 Å"))
            Issue.record("rescaled without a reference a")
        } catch let e as InputError {
            #expect(e.field == "structure.a", "\(e)")
        }
    }

    @Test("malformed POSCARs", arguments: [
        ("VASP 4 (no species line)", "\n1 1\nDirect", "\nGa As\n1 1\nDirect", "line 6"),
        ("unknown element", "Ga As", "Ga Qq", "unknown element 'Qq'"),
        ("counts/species mismatch", "\n1 1\n", "\n1 1 1\n", "3 atom counts for 2 species"),
        ("too few positions", "\n1 1\n", "\n1 2\n", "end of file"),
        ("bad mode", "Direct", "Fractional", "Direct or Cartesian"),
        ("bad number", "0.5 0.0 0.5", "0.5 zero 0.5", "line 4"),
        ("zero scale", "\n5.653\n", "\n0\n", "scale factor"),
        ("overlapping atoms", "0.25 0.25 0.25", "0.01 0.0 0.0", "apart"),
    ])
    func malformed(_ label: String, _ old: String, _ new: String, _ expected: String) {
        // VASP 4 case: swap so that the text lacks the species line.
        let text = label.hasPrefix("VASP 4")
            ? Self.direct.replacingOccurrences(of: new, with: old)
            : Self.direct.replacingOccurrences(of: old, with: new)
        #expect(text != Self.direct, "\(label): fixture did not change")
        do {
            _ = try Poscar.parse(text, name: "POSCAR").crystal()
            Issue.record("\(label): accepted")
        } catch let e as InputError {
            #expect(e.field == "structure.poscar", "\(label): \(e)")
            #expect(e.description.contains(expected), "\(label): \(e)")
        } catch {
            Issue.record("\(label): unexpected \(error)")
        }
    }
}

@Suite("Schema extension")
struct SchemaExtensionTests {
    /// What a later scan config does: allow more top-level sections, build the point from the same
    /// document, read its own sections with their own key checks.
    func readScanLike(_ yaml: String) throws -> (Config, [String]) {
        let doc = try ConfigDocument(yaml: yaml, file: "scan.yaml")
        let root = try Config.root(of: doc, allowing: Config.sectionKeys + ["stages", "output"])
        let point = try Config(document: doc, root: root)
        var stageNames: [String] = []
        if let stages = root["stages"] {
            for s in try stages.sequence() {
                let m = try s.mapping(allowed: ["name", "ecut"])
                stageNames.append(try m.required("name").string())
                _ = try m["ecut"]?.quantity(.energy, defaultUnit: "Ha")
            }
        }
        return (point, stageNames)
    }

    @Test("extra sections are allowed only when the reader adds them, with located errors inside them")
    func extraSections() throws {
        let yaml = baseYAML + "\nstages:\n  - {name: coarse, ecut: 10 Ha}\n  - {name: fine, ecut: 40 Ha}\noutput: {}\n"
        let (point, stages) = try readScanLike(yaml)
        #expect(point.electronCount == 8)
        #expect(stages == ["coarse", "fine"])
        // The one-point reader still rejects them.
        #expect(throws: InputError.self) { try Config.parse(yaml: yaml) }
        // Errors inside the new section carry its path and line.
        let bad = yaml.replacingOccurrences(of: "{name: fine, ecut: 40 Ha}", with: "{name: fine, ecutt: 40 Ha}")
        do {
            _ = try readScanLike(bad)
            Issue.record("accepted")
        } catch let e as InputError {
            #expect(e.field == "stages[1].ecutt", "\(e)")
            #expect(e.line == 16 && e.file == "scan.yaml", "\(e)")
            #expect(e.message.contains("did you mean 'ecut'"), "\(e)")
        }
    }
}

@Suite("Spin section")
struct SpinConfigTests {
    func spinConfig(_ spin: String) throws -> Config {
        try Config.parse(yaml: baseYAML.replacingOccurrences(of: "smearing: {type: fermi-dirac, width: 0.01 Ha}",
                                                             with: "smearing: {type: fermi-dirac, width: 0.01 Ha}\n" + spin))
    }

    @Test("moments per species, per atom, and the unpolarised default")
    func moments() throws {
        #expect(try Config.parse(yaml: baseYAML).model.magneticMoments == nil)
        #expect(try spinConfig("spin: {polarized: true, moments: {Ga: 1.5}}").model.magneticMoments == [1.5, 0])
        #expect(try spinConfig("spin: {polarized: true, moments: [1, -2.5]}").model.magneticMoments == [1, -2.5])
        let off = try spinConfig("spin: {polarized: false, moments: {Ga: 1}}")
        #expect(off.model.magneticMoments == nil && off.warnings.contains { $0.contains("spin.moments") })
        let zero = try spinConfig("spin: {polarized: true}")
        #expect(zero.model.magneticMoments == [0, 0] && zero.model.spinChannels == 2)
        // the moments survive command-line overrides
        let moved = try spinConfig("spin: {polarized: true, moments: {As: -1}}").applying(ConfigOverrides(ecut: "10"))
        #expect(moved.model.magneticMoments == [0, -1])
    }

    @Test("a fixed total magnetisation and sphere radii, kept by overrides; bad values name the field")
    func fixedMomentAndSpheres() throws {
        let c = try spinConfig("spin: {polarized: true, moments: {Ga: 1}, total_magnetization: -1.5, sphere_radii: {As: 1 Å}}")
        #expect(c.model.fixedMagnetization == -1.5 && c.spinTotalMagnetization == -1.5)
        let defaultRadius = try #require(MomentSpheres.defaultRadii(c.crystal).first)
        #expect(c.model.momentSphereRadii[0] == defaultRadius && abs(c.model.momentSphereRadii[1] - Units.angstrom) < 1e-12,
                "\(c.model.momentSphereRadii)")
        let moved = try c.applying(ConfigOverrides(ecut: "10"))
        #expect(moved.model.fixedMagnetization == -1.5 && moved.model.momentSphereRadii == c.model.momentSphereRadii)
        #expect(try spinConfig("spin: {polarized: true}").model.fixedMagnetization == nil)
        // without starting moments no warning that the state stays non-magnetic: the fixed moment makes one
        let free = try spinConfig("spin: {polarized: true, total_magnetization: 2}")
        #expect(free.model.magneticMoments == [0, 0] && !free.warnings.contains { $0.contains("spin.moments") })
        for (spin, fragment) in [("spin: {polarized: false, total_magnetization: 1}", "polarized: true"),
                                 ("spin: {polarized: true, total_magnetization: 9}", "±8 μB"),
                                 ("spin: {polarized: true, total_magnetization: [1]}", "total_magnetization"),
                                 ("spin: {polarized: true, sphere_radii: {Fe: 2}}", "not a species"),
                                 ("spin: {polarized: true, sphere_radii: {Ga: 0 bohr}}", "not a sphere radius"),
                                 ("spin: {polarized: false, sphere_radii: {Ga: 2}}", "polarized: true")] {
            #expect { try spinConfig(spin) } throws: { e in
                let text = "\(e)"
                return text.contains("spin.") && text.contains(fragment)
            }
        }
    }

    @Test("a scan of a spin-polarised config is accepted")
    func scansAccepted() throws {
        let yaml = baseYAML.replacingOccurrences(of: "smearing: {type: fermi-dirac, width: 0.01 Ha}",
                                                 with: "smearing: {type: fermi-dirac, width: 0.01 Ha}\nspin: {polarized: true, moments: {Ga: 1}}")
        #expect(try ScanConfig.parse(yaml: yaml).base.magneticMoments == [1, 0])
    }
}

@Suite struct MixingPreconditionerConfigTests {
    static let base = """
        structure:
          lattice: {bravais: fcc, a: 10.26, unit: bohr}
          atoms: [{species: Si, position: [0, 0, 0]}, {species: Si, position: [0.25, 0.25, 0.25]}]
        pseudopotentials: {family: GTH-PADE}
        functional: LDA
        smearing: none
        basis: {ecut: 10, kmesh: 2}
        """

    static func message(_ mixing: String) -> String? {
        do { _ = try Config.parse(yaml: Self.base + "\nscf: {mixing: \(mixing)}\n", file: "/tmp/mix.yaml"); return nil }
        catch { return "\(error)" }
    }

    /// `scf.mixing.preconditioner` names the model (omitted: nil, the old Kerker/dielectric choice), with
    /// the hybrid model's ρ_c in electrons/bohr³; bad names, a missing or unused ε_r and a non-positive
    /// ρ_c are refused with the field named.
    @Test func preconditionerChoice() throws {
        let plain = try Config.parse(yaml: Self.base)
        #expect(plain.scf.mixingModel == nil && plain.scf.mixingLocalizationDensity == DielectricLocalization.defaultDensity)
        let hybrid = try Config.parse(yaml: Self.base + "\nscf: {mixing: {preconditioner: Hybrid, dielectric_constant: 12, localization_density: 2e-3}}\n")
        #expect(hybrid.scf.mixingModel == MixingModel.hybrid && hybrid.scf.mixingDielectricConstant == 12 && hybrid.scf.mixingLocalizationDensity == 2e-3)
        #expect(try Config.parse(yaml: Self.base + "\nscf: {mixing: {preconditioner: none}}\n").scf.mixingModel == MixingModel.none)
        let bad = Self.message("{preconditioner: ldos}")
        #expect(bad?.contains("scf.mixing.preconditioner") == true && bad?.contains("hybrid") == true, "\(bad ?? "accepted")")
        #expect(Self.message("{preconditioner: dielectric}")?.contains("dielectric_constant") == true)
        #expect(Self.message("{preconditioner: kerker, dielectric_constant: 10}")?.contains("dielectric_constant") == true)
        #expect(Self.message("{preconditioner: hybrid, kerker: 0}")?.contains("scf.mixing.kerker") == true)
        #expect(Self.message("{preconditioner: hybrid, localization_density: -1}")?.contains("localization_density") == true)
    }

    /// `scf.eigensolver_memory` is a size (default 48 MiB); below 64 KiB or not a size, the field, the
    /// value and what is allowed are named.
    @Test func eigensolverMemory() throws {
        #expect(try Config.parse(yaml: Self.base).scf.eigensolverMemory == 48 << 20)
        #expect(try Config.parse(yaml: Self.base + "\nscf: {eigensolver_memory: 200 MiB}\n").scf.eigensolverMemory == 200 << 20)
        #expect(try Config.parse(yaml: Self.base + "\nscf: {eigensolver_memory: 1GiB}\n").scf.eigensolverMemory == 1 << 30)
        for bad in ["12 KiB", "lots", "-5 MiB"] {
            var message = "accepted"
            do { _ = try Config.parse(yaml: Self.base + "\nscf: {eigensolver_memory: \(bad)}\n", file: "/tmp/m.yaml") } catch { message = "\(error)" }
            #expect(message.contains("scf.eigensolver_memory") && message.contains(bad) && message.contains("64 KiB"), "\(bad): \(message)")
        }
    }

    /// `scf.density_grid` is auto (default), slabs or whole; any other value names the field, the value
    /// and the allowed ones.
    @Test func densityGrid() throws {
        #expect(try Config.parse(yaml: Self.base).scf.densityGrid == .auto)
        #expect(try Config.parse(yaml: Self.base + "\nscf: {density_grid: slabs}\n").scf.densityGrid == .slabs)
        #expect(try Config.parse(yaml: Self.base + "\nscf: {density_grid: Whole}\n").scf.densityGrid == .whole)
        var message = "accepted"
        do { _ = try Config.parse(yaml: Self.base + "\nscf: {density_grid: pencils}\n", file: "/tmp/m.yaml") } catch { message = "\(error)" }
        #expect(message.contains("scf.density_grid") && message.contains("pencils") && message.contains("auto, slabs, whole"), "\(message)")
    }
}
