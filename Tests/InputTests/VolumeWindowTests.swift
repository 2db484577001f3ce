import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

/// `stages.lattice: {mode: volume}` and `analysis.reference_eos`: read, converted, and every bad
/// value rejected in one line naming the field, the value and what is allowed.
@Suite struct VolumeWindowTests {
    /// si-lda: a = 10.26 bohr, fcc primitive cell of V = a³/4.
    @Test func defaultIsTheACWFWindowAroundTheStructuresVolume() throws {
        let c = try preset("si-lda.yaml", ["stages={lattice: {mode: volume}}"])
        let l = try #require(c.lattice)
        let w = try #require(l.volume)
        let v = 10.26 * 10.26 * 10.26 / 4
        #expect(abs(w.V0_bohr3 - v) < 1e-9 && w.factors.count == 7)
        for (f, x) in zip(w.factors, [0.94, 0.96, 0.98, 1.0, 1.02, 1.04, 1.06]) { #expect(abs(f - x) < 1e-14) }
        // each point's cell has V = f V0: a = 10.26 f^(1/3)
        #expect(l.values.count == 7)
        for (a, f) in zip(l.values, w.factors) { #expect(abs(pow(a, 3) / 4 - f * v) < 1e-9, "a = \(a)") }
        // mode: a stays the default
        #expect(try preset("si-lda.yaml", ["stages={lattice: {range: 2 %, points: 5}}"]).lattice?.volume == nil)
    }

    @Test func givenV0WindowAndPoints() throws {
        let c = try preset("si-lda.yaml", ["stages={lattice: {mode: volume, V0: 20 Å³/atom, window: 4 %, points: 9}}"])
        let w = try #require(c.lattice?.volume)
        let v0 = 2 * 20 * pow(Units.angstrom, 3)
        #expect(abs(w.V0_bohr3 - v0) < 1e-9 && w.factors.count == 9)
        #expect(abs(w.factors.first! - 0.96) < 1e-14 && abs(w.factors.last! - 1.04) < 1e-14)
        #expect(abs(pow(c.lattice!.values[4], 3) / 4 - v0) < 1e-9)
        let perCell = try preset("si-lda.yaml", ["stages={lattice: {mode: volume, V0: 270 bohr^3}}"])
        #expect(abs(perCell.lattice!.volume!.V0_bohr3 - 270) < 1e-12)
    }

    @Test(arguments: [
        ("stages={lattice: {mode: cubic}}", "stages.lattice.mode: 'cubic' is not one of a, volume"),
        ("stages={lattice: {mode: volume, points: 3}}", "stages.lattice.points: 3 is too few volumes"),
        ("stages={lattice: {mode: volume, window: 40 %}}", "stages.lattice.window: 40 % is outside the allowed half widths 0.5 % to 30 %"),
        ("stages={lattice: {mode: volume, window: 0.06}}", "stages.lattice.window: '0.06' is not a percentage"),
        ("stages={lattice: {mode: volume, V0: 20 Å²/atom}}", "stages.lattice.V0: '20 Å²/atom' has unknown unit 'Å²'; allowed units: Å³"),
        ("stages={lattice: {mode: volume, V0: 20}}", "stages.lattice.V0: '20' needs a unit"),
        ("stages={lattice: {mode: volume, V0: -20 Å³/atom}}", "stages.lattice.V0: -20 Å³/atom must be positive"),
        ("stages={lattice: {mode: volume, center: 5.4 Å}}", "stages.lattice.center: is only used with mode: a"),
        ("stages={lattice: {window: 6 %}}", "stages.lattice.window: is only used with mode: volume"),
        ("analysis={reference_eos: {V0: 20.45 Å³, B0: 88 GPa, B1: 4.3}}", "analysis.reference_eos.V0: '20.45 Å³' is not a volume per atom"),
        ("analysis={reference_eos: {V0: 20.45 Å³/atom, B0: 88 bar, B1: 4.3}}", "analysis.reference_eos.B0: '88 bar' has unknown unit 'bar'; allowed units: GPa"),
        ("analysis={reference_eos: {V0: 20.45 Å³/atom, B0: 88 GPa, B1: 0.5}}", "analysis.reference_eos.B1: 0.5 is outside the allowed 1–20"),
        ("analysis={reference_eos: {V0: 20.45 Å³/atom, B0: 88 GPa}}", "analysis.reference_eos"),
        ("analysis={reference_eos: no-such-file.json}", "analysis.reference_eos: cannot read reference EOS file"),
        ("analysis={eos_pressure_tolerance: 0.5 bar}", "analysis.eos_pressure_tolerance: '0.5 bar' is not a pressure; allowed units: GPa"),
    ])
    func rejectedInOneLine(_ set: String, _ expected: String) throws {
        do {
            _ = try preset("si-lda.yaml", [set])
            Issue.record("accepted \(set)")
        } catch let e as ScanConfigErrors {
            #expect(e.errors.count == 1 && e.description.hasPrefix(expected) && !e.description.contains("\n"), "\(e)")
        }
    }

    @Test func referenceEOSInlineAndFromAFile() throws {
        let c = try preset("si-lda.yaml", ["analysis={reference_eos: {V0: 20.4575 Å³/atom, B0: 0.55244 eV/Å³, B1: 4.31}}"])
        let r = try #require(c.analysis.reference_eos)
        #expect(abs(r.V0_angstrom3_per_atom - 20.4575) < 1e-12 && abs(r.B0_GPa - 0.55244 * 160.21766208) < 1e-9 && r.B1 == 4.31)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refeos-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = try String(contentsOf: configDirectory.appendingPathComponent("si-lda.yaml"), encoding: .utf8)
            + "\nanalysis: {reference_eos: ref.json, eos_pressure_tolerance: 2 kbar}\n"
        try yaml.write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        try #"{"V0_angstrom3_per_atom": 20.4575, "B0_GPa": 88.51, "B1": 4.31, "source": "ACWF AE average"}"#
            .write(to: dir.appendingPathComponent("ref.json"), atomically: true, encoding: .utf8)
        let f = try ScanConfig.load(path: dir.appendingPathComponent("s.yaml").path)
        #expect(f.analysis.reference_eos?.B0_GPa == 88.51 && f.analysis.reference_eos?.source?.hasSuffix("ref.json: ACWF AE average") == true)
        #expect(abs(f.analysis.eosPressureTolerance_GPa - 0.2) < 1e-12)
        try #"{"V0": 20.4575, "B0_GPa": 88.51, "B1": 4.31}"#.write(to: dir.appendingPathComponent("ref.json"), atomically: true, encoding: .utf8)
        #expect(throws: ScanConfigErrors.self) { try ScanConfig.load(path: dir.appendingPathComponent("s.yaml").path) }
    }
}
