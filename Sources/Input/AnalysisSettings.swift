import Foundation
import PlaneWave

/// Settings of the analysis at the end of a run: convergence tolerances, the equation-of-state
/// quality threshold, the band path and the DOS. Readable from an `analysis:` section:
///
/// ```yaml
/// analysis:
///   energy_tolerance: 1 meV/atom        # |ΔE| per atom against the most converged value (SSSP: 1 meV/atom)
///   energy_difference: 1 meV/atom       # also converge E(a₂) − E(a₁) (needs two lattice constants); false = off
///   gap: 10 meV                         # also converge the gap; false = off
///   bulk_modulus_tolerance: 1 %         # |ΔB0|/B0 when a stage scans ≥ 5 lattice constants per value
///   eos_rms_warning: 0.1 meV/atom       # RMS residual above which the E(V) fit is called poor
///   eos_pressure_tolerance: 0.5 GPa     # |P(stress) − (−dE/dV of the fit)| above which the lattice scan warns
///   reference_eos: {V0: 20.45 Å³/atom, B0: 88 GPa, B1: 4.3}   # or a JSON file: Δ, ν, ε against it (ReferenceEOS)
///   force_warning: 0.01 Ha/bohr         # largest force at the final point above which the structure is called not relaxed
///   final_point: true                   # compute the final point at a0 with bands and DOS
///   bands: {points: 120, empty_bands: 4}
///   dos: {kmesh: 12x12x12, broadening: 0.1 eV}   # kmesh default: twice the recommended mesh
/// ```
public struct AnalysisSettings: Codable, Sendable, Equatable {
    public var criteria = ConvergenceCriteria()
    /// Per-stage tolerances (stage name → criteria), e.g. from the scan config's stage tolerances.
    public var stage_criteria: [String: ConvergenceCriteria] = [:]
    public var eos_rms_warning_meV_per_atom = 0.1
    /// The largest |P_stress − P_fit| (GPa) of the lattice scan's pressure check without a warning;
    /// nil = `defaultEOSPressureTolerance_GPa`.
    public var eos_pressure_tolerance_GPa: Double? = nil
    /// The reference equation of state the fit is verified against (Δ, ν, ε); nil = none.
    public var reference_eos: ReferenceEOS? = nil
    /// Largest force (Ha/bohr) at the final point above which the structure is called not relaxed;
    /// nil = `defaultForceWarning` (and in files written before it was settable).
    public var force_warning_Ha_per_bohr: Double? = nil
    public static let defaultForceWarning = 0.01
    public var forceWarning: Double { force_warning_Ha_per_bohr ?? Self.defaultForceWarning }
    public var final_point = true
    /// About this many k-points along the band path.
    public var band_points = 120
    /// Bands above the occupied ones in the band structure and DOS.
    public var empty_bands = 4
    /// Residual norm to which the band-structure eigenpairs are converged.
    public var band_tolerance = 1e-7
    /// DOS mesh; nil = twice the recommended mesh in each direction.
    public var dos_kmesh: [Int]? = nil
    /// Gaussian broadening of the DOS (eV).
    public var dos_broadening_eV = 0.1
    /// When the k-mesh stage scanned k-point spacings: mesh ("6x6x6") → the largest scanned spacing
    /// that gives it (bohr⁻¹), for the recommendation (`AnalysisSettings(scan:analysis:)`); nil otherwise.
    public var kmesh_spacings_per_bohr: [String: Double]? = nil

    public init() {}

    /// 0.5 GPa: about 0.5 % of the volume for B₀ = 100 GPa.
    public static let defaultEOSPressureTolerance_GPa = 0.5
    public var eosPressureTolerance_GPa: Double { eos_pressure_tolerance_GPa ?? Self.defaultEOSPressureTolerance_GPa }

    public static let sectionKey = "analysis"
    public static let keys = ["energy_tolerance", "energy_difference", "gap", "bulk_modulus_tolerance", "eos_rms_warning",
                              "force_warning", "final_point", "bands", "dos", "eos_pressure_tolerance", "reference_eos"]

    public func criteria(for stage: String) -> ConvergenceCriteria { stage_criteria[stage] ?? criteria }

    /// Reads an `analysis:` section (every error names its YAML path).
    public static func read(_ node: ConfigNode) throws -> AnalysisSettings {
        var s = AnalysisSettings()
        let m = try node.mapping(allowed: keys)
        func energy(_ n: ConfigNode) throws -> Double {
            let q = try n.quantity(.energy, defaultUnit: "eV", allowPerAtom: true)
            guard q.value > 0 else { throw n.error("\(q.text) must be positive") }
            return q.value * Units.hartreeInEV
        }
        if let n = m["energy_tolerance"] { s.criteria.energy_eV_per_atom = try energy(n) }
        if let n = m["energy_difference"] {
            if let b = try? n.bool() { s.criteria.energy_difference = b } else {
                s.criteria.energy_difference = true
                s.criteria.energy_difference_eV_per_atom = try energy(n)
            }
        }
        if let n = m["gap"] {
            if let b = try? n.bool() { s.criteria.gap = b } else {
                s.criteria.gap = true
                s.criteria.gap_eV = try energy(n)
            }
        }
        if let n = m["bulk_modulus_tolerance"] {
            var t = try n.scalar(expected: "a relative tolerance, e.g. 1 % or 0.01")
            var percent = false
            if t.hasSuffix("%") { t.removeLast(); percent = true }
            guard let v = Double(t.trimmingCharacters(in: .whitespaces)), v > 0 else {
                throw n.error("'\(t)' is not a positive relative tolerance (e.g. 1 % or 0.01)")
            }
            s.criteria.bulk_modulus_relative = percent ? v / 100 : v
        }
        if let n = m["eos_rms_warning"] { s.eos_rms_warning_meV_per_atom = try energy(n) * 1000 }
        if let n = m["eos_pressure_tolerance"] { s.eos_pressure_tolerance_GPa = try ReferenceEOS.pressure(n) }
        if let n = m["reference_eos"] { s.reference_eos = try ReferenceEOS.read(n) }
        if let n = m["force_warning"] {
            let q = try n.quantity(.force, defaultUnit: "Ha/bohr")
            guard q.value > 0 else { throw n.error("\(q.text) must be positive") }
            guard q.value <= 1 else { throw n.error("\(q.text) is implausibly large for a force threshold (maximum 1 Ha/bohr)") }
            s.force_warning_Ha_per_bohr = q.value
        }
        if let n = m["final_point"] { s.final_point = try n.bool() }
        if let n = m["bands"] {
            let b = try n.mapping(allowed: ["points", "empty_bands"])
            if let p = b["points"] {
                s.band_points = try p.integer()
                guard s.band_points >= 2 else { throw p.error("\(s.band_points) must be at least 2") }
            }
            if let e = b["empty_bands"] {
                s.empty_bands = try e.integer()
                guard s.empty_bands >= 1 else { throw e.error("\(s.empty_bands) must be at least 1 (the conduction band)") }
            }
        }
        if let n = m["dos"] {
            let d = try n.mapping(allowed: ["kmesh", "broadening"])
            if let k = d["kmesh"] { s.dos_kmesh = try k.integerTriple(minimum: 1, maximum: 200) }
            if let b = d["broadening"] {
                let q = try b.quantity(.energy, defaultUnit: "eV")
                guard q.value > 0 else { throw b.error("\(q.text) must be positive") }
                s.dos_broadening_eV = q.value * Units.hartreeInEV
            }
        }
        return s
    }
}
