import Foundation
import PlaneWave

extension AnalysisSettings {
    /// The analysis settings of a scan: `analysis` (e.g. read from the config's `analysis:` section)
    /// with the scan's own stage tolerances for the decisions of its cutoff and k-mesh stages
    /// (`stages.cutoff.tolerance`, `stages.cutoff.energy_difference`, `stages.kmesh.tolerance`).
    public init(scan: ScanConfig, analysis: AnalysisSettings = AnalysisSettings()) {
        self = analysis
        if let c = scan.cutoff {
            var k = analysis.criteria
            k.energy_eV_per_atom = c.tolerance * Units.hartreeInEV
            if c.differenceLattice != nil {
                k.energy_difference = true
                k.energy_difference_eV_per_atom = (c.differenceTolerance ?? c.tolerance) * Units.hartreeInEV
            }
            stage_criteria["cutoff"] = k
            stage_criteria["grid"] = k
        }
        if let m = scan.kmesh {
            var k = analysis.criteria
            k.energy_eV_per_atom = m.tolerance * Units.hartreeInEV
            stage_criteria["kmesh"] = k
        }
    }
}
