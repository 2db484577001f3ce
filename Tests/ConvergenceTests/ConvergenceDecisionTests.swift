import Bindings
import Foundation
import Testing
import PlaneWave
import TestSupport
import Input
@testable import Convergence

@Suite("Convergence decisions")
struct ConvergenceDecisionTests {
    /// E(ecut) approaching its limit: the smallest cutoff within 1 meV/atom of the highest, for it and all above.
    @Test func cutoffDecisionWithMargin() {
        let deltas: [(Double, Double)] = [(10, 40), (15, 8), (20, 0.9), (25, 1.2), (30, 0.21), (40, 0)]
        // a non-monotonic 25 Ha above the tolerance: 20 Ha must not be chosen
        let recs = deltas.map { record(stage: "cutoff", ecut: $0.0, f: -8.5 + meV($0.1)) }
        let d = ConvergenceDecision.decide(stage: "cutoff", records: recs)
        #expect(d.parameter == .cutoff)
        #expect(d.converged)
        #expect(d.chosen == "ecut 30 Ha" && d.chosen_ecut_Ha == 30 && d.reference == "ecut 40 Ha")
        #expect(d.message == "ecut 30 Ha: |ΔE| = 0.21 meV/atom ≤ 1 meV/atom against 40 Ha")
        #expect(abs(d.criteria[0].value - 0.21) < 1e-9)
        // 30 Ha is the last value below the reference: confirmed by one comparison only
        #expect(d.warnings.contains { $0.contains("converged only at the last value") && $0.contains("50 Ha, 60 Ha") })
    }

    @Test func convergedWithRoomToSpare() {
        let recs = [(10.0, 30.0), (15, 0.8), (20, 0.3), (25, 0.1), (30, 0)].map { record(stage: "cutoff", ecut: $0.0, f: -8.5 - meV($0.1)) }
        let d = ConvergenceDecision.decide(stage: "cutoff", records: recs)
        #expect(d.chosen == "ecut 15 Ha" && d.converged && d.warnings.isEmpty && d.suggested_values.isEmpty)
        #expect(d.rows.map(\.passes) == [false, true, true, true, true], "the reference trivially passes")
    }

    /// A scan that never converges says so and proposes how to extend it.
    @Test func neverConverges() {
        let recs = [(2, 50.0), (4, 10.0), (6, 3.0)].map { record(stage: "kmesh", kmesh: [$0.0, $0.0, $0.0], f: -8.5 + meV($0.1)) }
            + [record(stage: "kmesh", kmesh: [8, 8, 8], f: -8.5)]
        let d = ConvergenceDecision.decide(stage: "kmesh", records: recs)
        #expect(d.parameter == .kmesh && !d.converged)
        #expect(d.chosen == "k 8x8x8")
        #expect(d.message.contains("not converged"))
        #expect(d.suggested_values == ["10x10x10", "12x12x12"])
        #expect(d.warnings.contains { $0.contains("never converges") && $0.contains("10x10x10") })
    }

    /// Failed points are left out (with their reason); a failed reference falls back to the next value.
    @Test func failedPoints() {
        var recs = [(10.0, 5.0), (20, 0.5), (30, 0.1)].map { record(stage: "cutoff", ecut: $0.0, f: -8.5 + meV($0.1)) }
        recs.append(record(stage: "cutoff", ecut: 25, f: nil, status: .unconverged, error: "not converged after 100 SCF iterations"))
        recs.append(record(stage: "cutoff", ecut: 40, f: nil, status: .timeout, error: "exceeded the 600 s time limit"))
        let d = ConvergenceDecision.decide(stage: "cutoff", records: recs)
        #expect(d.reference == "ecut 30 Ha")
        #expect(d.chosen == "ecut 20 Ha")
        #expect(d.warnings.contains { $0.contains("timeout") && $0.contains("600 s") })
        #expect(d.warnings.contains { $0.contains("ecut 40 Ha failed") })
        #expect(d.rows.first { $0.label == "ecut 25 Ha" }!.failed)
    }

    /// Energy differences and the gap decide too when asked for.
    @Test func energyDifferenceAndGap() {
        var recs: [PointRecord] = []
        // total energies converge from 15 Ha, the difference E(5.75) − E(5.55) only from 25 Ha, the gap from 20 Ha
        for (e, dE, dDiff, dGap) in [(15.0, 0.5, 3.0, 0.02), (20, 0.3, 1.5, 0.005), (25, 0.1, 0.4, 0.001), (30, 0, 0, 0)] {
            recs.append(record(stage: "cutoff", ecut: e, a: 5.55, f: -8.5 + meV(dE), gap: 0.02 + dGap * Units.electronVolt))
            recs.append(record(stage: "cutoff", ecut: e, a: 5.75, f: -8.4 + meV(dE) + meV(dDiff)))
        }
        var c = ConvergenceCriteria()
        #expect(ConvergenceDecision.decide(stage: "cutoff", records: recs, criteria: c).chosen == "ecut 15 Ha")
        c.gap = true
        #expect(ConvergenceDecision.decide(stage: "cutoff", records: recs, criteria: c).chosen == "ecut 20 Ha")
        c.energy_difference = true
        let d = ConvergenceDecision.decide(stage: "cutoff", records: recs, criteria: c)
        #expect(d.chosen == "ecut 25 Ha")
        #expect(d.criteria.map(\.quantity) == ["energy", "energy_difference", "gap"])
        #expect(d.message.contains("|Δ(E(a₂)−E(a₁))| = 0.40 meV/atom"))
    }

    /// A metal has no gap to converge: asked for, the gap criterion is skipped and the decision says why;
    /// records journalled before the metallic flag (a gap ≤ 0) count as metallic too.
    @Test func gapCriterionSkippedForMetals() {
        var c = ConvergenceCriteria()
        c.gap = true
        for old in [false, true] {
            let recs = [(15.0, 0.5), (20, 0.3), (25, 0)].map { (e: Double, dE: Double) -> PointRecord in
                var r = record(stage: "cutoff", ecut: e, f: -8.5 + meV(dE), gap: old ? -0.5 + 0.01 * e : nil)
                if !old { r.metallic = true }
                return r
            }
            let d = ConvergenceDecision.decide(stage: "cutoff", records: recs, criteria: c)
            #expect(d.chosen == "ecut 15 Ha" && d.criteria.map(\.quantity) == ["energy"], "\(old): \(d.message)")
            #expect(d.message.contains("gap criterion skipped: metallic (bands cross the Fermi level, no gap) at ecut 15 Ha, ecut 20 Ha, ecut 25 Ha"),
                    "\(d.message)")
            #expect(d.rows.allSatisfy { $0.delta_gap_meV == nil })
            #expect(!d.warnings.contains { $0.contains("gap") }, "\(d.warnings)")
        }
        // an insulator still decides with its gap
        let gapped = [(15.0, 0.5, 0.02), (20, 0.3, 0.005), (25, 0, 0)].map {
            record(stage: "cutoff", ecut: $0.0, f: -8.5 + meV($0.1), gap: 0.02 + $0.2 * Units.electronVolt)
        }
        let d = ConvergenceDecision.decide(stage: "cutoff", records: gapped, criteria: c)
        #expect(d.chosen == "ecut 20 Ha" && !d.message.contains("skipped"))
    }

    /// The records analysis splits a grid, completes stages with shared points, fits the lattice stage.
    @Test func runAnalysisOfStages() throws {
        var recs = [(10.0, 9.0), (15, 0.7), (20, 0.2), (25, 0)].map { record(stage: "cutoff", ecut: $0.0, kmesh: [2, 2, 2], f: -8.5 + meV($0.1)) }
        // the k-mesh stage at 15 Ha: its 2×2×2 point is the cutoff stage's (same parameters, computed once)
        let truth = [-8.54, 320.0, 62 / Units.hartreePerBohr3InGPa, 4.6]
        func bm(_ a: Double) -> Double { EquationOfState.Form.birchMurnaghan.energy(pow(a * Units.angstrom, 3) / 4, truth) }
        let e8 = bm(5.653) - meV(0.3)
        recs += [([4, 4, 4], e8 + meV(2.0)), ([6, 6, 6], bm(5.653)), ([8, 8, 8], e8)].map { record(stage: "kmesh", ecut: 15, kmesh: $0.0, f: $0.1) }
        // the lattice stage at 15 Ha, 6×6×6 (its 5.653 Å point is the k-mesh stage's)
        for a in stride(from: 5.60, through: 5.90, by: 0.05) {
            recs.append(record(stage: "lattice", ecut: 15, kmesh: [6, 6, 6], a: a, f: bm(a)))
        }
        let analysis = RunAnalysis.analyse(records: recs)
        #expect(analysis.decisions.map(\.stage) == ["cutoff", "kmesh"])
        #expect(analysis.decisions[0].chosen == "ecut 15 Ha")
        #expect(analysis.decisions[1].rows.map(\.label) == ["k 2x2x2", "k 4x4x4", "k 6x6x6", "k 8x8x8"])
        #expect(analysis.decisions[1].chosen == "k 6x6x6")
        let eos = try #require(analysis.eos)
        #expect(eos.points.count == 8, "the 7 lattice points and the shared 5.653 Å point")
        #expect(abs(eos.preferred.B0_GPa - 62) < 1e-3)
        // a grid stage is split into cutoff and k-mesh decisions
        var grid: [PointRecord] = []
        for e in [10.0, 20, 30] { for k in [2, 4, 6] {
            grid.append(record(stage: "grid", ecut: e, kmesh: [k, k, k], f: -8.5 + meV(100 / (e * e) * 10 + Double(8 - k) * 0.4)))
        } }
        let g = RunAnalysis.analyse(records: grid)
        #expect(g.decisions.map(\.stage) == ["grid: cutoff", "grid: k-mesh"])
        #expect(g.decisions[0].rows.allSatisfy { $0.kmesh == [6, 6, 6] })
    }

    /// The analysis section of a config.
    @Test func readsAnalysisSettings() throws {
        let yaml = """
        analysis:
          energy_tolerance: 0.5 meV/atom
          energy_difference: 0.2 meV/atom
          gap: true
          bulk_modulus_tolerance: 2 %
          bands: {points: 60, empty_bands: 6}
          dos: {kmesh: 10x10x10, broadening: 50 meV}
        """
        let doc = try ConfigDocument(yaml: yaml)
        let root = try doc.root().mapping(allowed: ["analysis"])
        let s = try AnalysisSettings.read(root["analysis"]!)
        #expect(abs(s.criteria.energy_eV_per_atom - 5e-4) < 1e-12)
        #expect(s.criteria.energy_difference && abs(s.criteria.energy_difference_eV_per_atom - 2e-4) < 1e-12)
        #expect(s.criteria.gap && s.criteria.gap_eV == 0.01)
        #expect(abs(s.criteria.bulk_modulus_relative - 0.02) < 1e-12)
        #expect(s.band_points == 60 && s.empty_bands == 6 && s.dos_kmesh == [10, 10, 10] && abs(s.dos_broadening_eV - 0.05) < 1e-12)
        let bad = try ConfigDocument(yaml: "analysis: {energy_tolerance: 1 bohr}").root().mapping(allowed: ["analysis"])
        #expect(throws: InputError.self) { try AnalysisSettings.read(bad["analysis"]!) }
    }
}

/// The pressure and the forces as convergence quantities of the one rule.
@Suite("Convergence decisions: pressure and forces")
struct PressureDecisionTests {
    /// Energy converged at 20 Ha but the pressure only at 30 Ha (ΔE meV/atom, ΔP GPa against 40 Ha).
    static func records() -> [PointRecord] {
        let values: [(ecut: Double, dE: Double, dP: Double)] = [(10, 5, 4), (15, 0.9, 2), (20, 0.5, 0.9), (25, 0.3, 0.6), (30, 0.1, 0.3),
                                                                 (35, 0.05, 0.1), (40, 0, 0)]
        var out: [PointRecord] = []
        for v in values {
            var r = record(stage: "cutoff", ecut: v.ecut, f: -8.5 + meV(v.dE))
            r.pressure_GPa = 3.0 + v.dP
            let fz: Double = 1e-3 * v.dP
            r.forces_Ha_per_bohr = [[0, 0, fz], [0, 0, -fz]]
            out.append(r)
        }
        return out
    }

    @Test func pressureDecides() {
        var c = ConvergenceCriteria()
        c.pressure_GPa = 0.5
        let d = ConvergenceDecision.decide(stage: "cutoff", records: Self.records(), criteria: c)
        #expect(d.chosen == "ecut 30 Ha" && d.converged)
        #expect(d.message.contains("|ΔP| = 0.30 GPa ≤ 0.5 GPa"), "\(d.message)")
        #expect(d.message.hasSuffix("the pressure decided (the energy had converged at ecut 15 Ha)"), "\(d.message)")
        #expect(d.criteria.map(\.quantity) == ["energy", "pressure"])
        #expect(abs(d.rows.first { $0.label == "ecut 25 Ha" }!.delta_pressure_GPa! - 0.6) < 1e-12)
        // without the pressure the energy alone chooses 15 Ha, and the message names no deciding quantity
        let e = ConvergenceDecision.decide(stage: "cutoff", records: Self.records())
        #expect(e.chosen == "ecut 15 Ha" && !e.message.contains("decided"))
    }

    @Test func energyDecidesOverALooserPressure() {
        var c = ConvergenceCriteria()
        c.pressure_GPa = 5
        c.energy_eV_per_atom = 0.4e-3
        let d = ConvergenceDecision.decide(stage: "cutoff", records: Self.records(), criteria: c)
        #expect(d.chosen == "ecut 25 Ha")
        #expect(d.message.hasSuffix("the energy decided (the pressure had converged at ecut 10 Ha)"), "\(d.message)")
    }

    @Test func forcesDecide() {
        var c = ConvergenceCriteria()
        c.force_Ha_per_bohr = 2e-4
        let d = ConvergenceDecision.decide(stage: "cutoff", records: Self.records(), criteria: c)
        #expect(d.chosen == "ecut 35 Ha", "max|ΔF| = 1e-4 first at 35 Ha: \(d.message)")
        #expect(d.message.contains("the forces decided"), "\(d.message)")
    }

    /// Records written before stresses were recorded: the criterion is skipped with a warning.
    @Test func oldRecordsWithoutPressure() {
        var c = ConvergenceCriteria()
        c.pressure_GPa = 0.5
        let recs = Self.records().map { r in var r = r; r.pressure_GPa = nil; return r }
        let d = ConvergenceDecision.decide(stage: "cutoff", records: recs, criteria: c)
        #expect(d.chosen == "ecut 15 Ha")
        #expect(d.warnings.contains { $0.contains("pressure criterion skipped") })
    }

    /// Not converged: the message names the quantity that fails.
    @Test func pressureNeverConverges() {
        var c = ConvergenceCriteria()
        c.pressure_GPa = 0.05
        let d = ConvergenceDecision.decide(stage: "cutoff", records: Self.records(), criteria: c)
        #expect(!d.converged)
        #expect(d.message.contains("the pressure not within tolerance at ecut 35 Ha"), "\(d.message)")
    }
}
