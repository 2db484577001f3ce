import Foundation
import Testing
import PlaneWave
import TestSupport
import Input
@testable import Convergence

/// The magnetisation as a convergence quantity of the one rule, and moment collapse flagged.
@Suite("Convergence decisions: magnetization")
struct MagnetizationDecisionTests {
    /// Energy converged at 15 Ha but the moment (2 atoms, μB per cell) only at 30 Ha against 40 Ha.
    static func records(moments: [Double] = [4.0, 4.3, 4.38, 4.39, 4.405, 4.41, 4.42]) -> [PointRecord] {
        let values: [(ecut: Double, dE: Double)] = [(10, 5), (15, 0.9), (20, 0.5), (25, 0.3), (30, 0.1), (35, 0.05), (40, 0)]
        return zip(values, moments).map { v, m in
            var r = record(stage: "cutoff", ecut: v.ecut, f: -8.5 + meV(v.dE))
            r.total_magnetization_muB = m
            r.absolute_magnetization_muB = abs(m) + 0.3
            return r
        }
    }

    @Test func magnetizationDecides() {
        var c = ConvergenceCriteria()
        c.magnetization_muB_per_atom = 0.01
        let d = ConvergenceDecision.decide(stage: "cutoff", records: Self.records(), criteria: c)
        // |ΔM| per atom against 40 Ha: 25 Ha 0.015, 30 Ha 0.0075, 35 Ha 0.005
        #expect(d.chosen == "ecut 30 Ha" && d.converged, "\(d.message)")
        #expect(d.message.contains("|ΔM| = 7.5e-03 μB/atom ≤ 0.01 μB/atom"), "\(d.message)")
        #expect(d.message.hasSuffix("the magnetization decided (the energy had converged at ecut 15 Ha)"), "\(d.message)")
        #expect(d.criteria.map(\.quantity) == ["energy", "magnetization"])
        let row = d.rows.first { $0.label == "ecut 25 Ha" }!
        #expect(abs(row.delta_magnetization_muB_per_atom! - 0.015) < 1e-12 && abs(row.magnetization_muB_per_atom! - 2.195) < 1e-12)
        #expect(abs(row.absolute_magnetization_muB_per_atom! - 2.345) < 1e-12)
        #expect(d.warnings.allSatisfy { !$0.contains("moment collapse") })
        // without the criterion the energy alone chooses 15 Ha; the rows still carry the moment for the plot
        let e = ConvergenceDecision.decide(stage: "cutoff", records: Self.records())
        #expect(e.chosen == "ecut 15 Ha" && e.rows[0].magnetization_muB_per_atom == 2.0 && e.rows[0].delta_magnetization_muB_per_atom == nil)
    }

    /// An unpolarised reference: the criterion is skipped and says so.
    @Test func unpolarisedRecordsSkipTheCriterion() {
        var c = ConvergenceCriteria()
        c.magnetization_muB_per_atom = 0.01
        let recs = Self.records().map { r in var r = r; r.total_magnetization_muB = nil; r.absolute_magnetization_muB = nil; return r }
        let d = ConvergenceDecision.decide(stage: "cutoff", records: recs, criteria: c)
        #expect(d.chosen == "ecut 15 Ha" && d.warnings.contains { $0.contains("magnetization criterion skipped") })
    }

    /// A point that fell into a low-moment state among ferromagnetic neighbours is named; a jump at the
    /// end of the line names both points; a reversed moment is a collapse too.
    @Test func momentCollapseIsFlagged() {
        let collapsed = Self.records(moments: [4.0, 4.3, 0.2, 4.39, 4.405, 4.41, 4.42])
        let d = ConvergenceDecision.decide(stage: "cutoff", records: collapsed)
        let w = d.warnings.filter { $0.hasPrefix("moment collapse") }
        #expect(w.count == 1, "\(w)")
        #expect(w.first?.contains("cutoff/ecut=20.0Ha") == true && w.first?.contains("differs from both neighbours") == true, "\(w)")
        let atEnd = MomentCollapse.warnings(Self.records(moments: [4.0, 4.3, 4.38, 4.39, 4.405, 4.41, 2.0]), parameter: .cutoff)
        #expect(atEnd.count == 1 && atEnd[0].contains("ecut=35.0Ha") && atEnd[0].contains("ecut=40.0Ha"), "\(atEnd)")
        let reversed = MomentCollapse.warnings(Self.records(moments: [4.0, 4.3, 4.38, -4.39, 4.405, 4.41, 4.42]), parameter: .cutoff)
        #expect(reversed.count == 1 && reversed[0].contains("ecut=25.0Ha"), "\(reversed)")
        // smooth convergence and unpolarised records: nothing
        #expect(MomentCollapse.warnings(Self.records(), parameter: .cutoff).isEmpty)
        #expect(MomentCollapse.warnings(collapsed.map { r in var r = r; r.total_magnetization_muB = nil; return r }, parameter: .cutoff).isEmpty)
    }
}
