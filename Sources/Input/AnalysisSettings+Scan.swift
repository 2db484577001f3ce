import Foundation
import PlaneWave

extension AnalysisSettings {
    /// The analysis settings of a scan: `analysis` (e.g. read from the config's `analysis:` section)
    /// with the scan's own stage tolerances for the decisions of its cutoff and k-mesh stages
    /// (`stages.cutoff.tolerance`, `stages.cutoff.energy_difference`, `stages.kmesh.tolerance`).
    /// The scan stages and the recommendation decide with these same criteria (one rule).
    public init(scan: ScanConfig, analysis: AnalysisSettings = AnalysisSettings()) {
        self = analysis
        if let c = scan.cutoff {
            stage_criteria["cutoff"] = c.criteria(analysis.criteria)
            stage_criteria["grid"] = c.criteria(analysis.criteria)
            stage_criteria["grid: cutoff"] = c.criteria(analysis.criteria)
        }
        if let m = scan.kmesh {
            stage_criteria["kmesh"] = m.criteria(analysis.criteria)
            stage_criteria["grid: k-mesh"] = m.criteria(analysis.criteria)
            if m.spacings != nil {
                kmesh_spacings_per_bohr = Dictionary(m.values.compactMap { mesh in
                    m.spacing(of: mesh).map { (mesh.map(String.init).joined(separator: "x"), $0) }
                }, uniquingKeysWith: { a, _ in a })
            }
        }
    }
}

extension ScanConfig.CutoffStage {
    /// `base` (the analysis criteria: gap, B0, …) with this stage's energy and energy-difference
    /// tolerances (and its pressure and force tolerances, when given).
    public func criteria(_ base: ConvergenceCriteria = ConvergenceCriteria()) -> ConvergenceCriteria {
        var k = base
        k.energy_eV_per_atom = tolerance * Units.hartreeInEV
        if let dl = differenceLattice {
            k.energy_difference = true
            k.energy_difference_eV_per_atom = (differenceTolerance ?? tolerance) * Units.hartreeInEV
            k.difference_lattice_angstrom = dl.map { $0 / Units.angstrom }
        }
        k.pressure_GPa = pressureTolerance.map { $0 * Units.hartreePerBohr3InGPa } ?? base.pressure_GPa
        k.force_Ha_per_bohr = forceTolerance ?? base.force_Ha_per_bohr
        k.magnetization_muB_per_atom = magnetizationTolerance ?? base.magnetization_muB_per_atom
        return k
    }
}

extension ScanConfig.KMeshStage {
    /// `base` (the analysis criteria) with this stage's energy tolerance (and its pressure and force
    /// tolerances, when given).
    public func criteria(_ base: ConvergenceCriteria = ConvergenceCriteria()) -> ConvergenceCriteria {
        var k = base
        k.energy_eV_per_atom = tolerance * Units.hartreeInEV
        k.pressure_GPa = pressureTolerance.map { $0 * Units.hartreePerBohr3InGPa } ?? base.pressure_GPa
        k.force_Ha_per_bohr = forceTolerance ?? base.force_Ha_per_bohr
        k.magnetization_muB_per_atom = magnetizationTolerance ?? base.magnetization_muB_per_atom
        return k
    }
}
