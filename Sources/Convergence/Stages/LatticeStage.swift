import Foundation
import Input
import PlaneWave

/// E(a) at the chosen cutoff and mesh (lattice constants, or with `mode: volume` the lattice
/// constants of a volume window); decides the lattice window and its lowest-energy point.
/// (The equation-of-state fit is the end-of-run analysis', `RunAnalysis.analyse`.)
public struct LatticeStage: ScanStage {
    public let spec: ScanConfig.LatticeStage
    public var name: String { "lattice" }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        spec.values.enumerated().map { planner.point(stage: name, index: $0.offset, ecut: c.ecut, kmesh: c.kmesh, a: $0.element) }
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        let converged = points.compactMap { p -> (Double, Double)? in
            guard let r = results[p.key], r.status == .converged, let f = r.free_energy_Ha, let a = p.a else { return nil }
            return (a / Units.angstrom, f)
        }
        guard let lowest = converged.min(by: { $0.1 < $1.1 }) else {
            return StageDecision(stage: name, summary: "no lattice constant converged", decided: false)
        }
        let window = [spec.values.first! / Units.angstrom, spec.values.last! / Units.angstrom]
        choices.latticeWindowAngstrom = window
        choices.latticeMinimumAngstrom = lowest.0
        var warnings: [String] = []
        if converged.count < 3 { warnings.append("lattice: only \(converged.count) converged lattice constants; an equation-of-state fit needs at least 3") }
        let edge = lowest.0 == converged.map(\.0).min()! || lowest.0 == converged.map(\.0).max()!
        if edge && converged.count > 1 {
            warnings.append(String(format: "lattice: the lowest energy is at the edge of the window (a = %.4f Å); shift or widen stages.lattice", lowest.0))
        }
        var summary = String(format: "lattice window %.4f…%.4f Å, lowest E at a = %.4f Å", window[0], window[1], lowest.0)
        if let w = spec.volume {
            summary += String(format: " (volume window %.2f…%.2f × V0 = %.3f Å³ per cell)", w.factors.first!, w.factors.last!,
                              w.V0_bohr3 / pow(Units.angstrom, 3))
        }
        return StageDecision(stage: name, summary: summary, decided: true, warnings: warnings)
    }
}
