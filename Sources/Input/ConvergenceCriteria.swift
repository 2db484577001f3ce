import Foundation

/// The tolerances a stage's decision is made with. Defaults follow the SSSP protocol: 1 meV/atom
/// for total energies (and energy differences), 1 % for the bulk modulus, 10 meV for the gap.
/// Energy differences, the gap, the pressure and the forces are converged only when asked for
/// (`energy_difference`, `gap`, `pressure_GPa`, `force_Ha_per_bohr`, `magnetization_muB_per_atom`).
public struct ConvergenceCriteria: Codable, Sendable, Equatable {
    /// |E(x) − E(ref)| per atom (eV).
    public var energy_eV_per_atom: Double = 1e-3
    /// Also converge E(a₂) − E(a₁) per atom between two lattice constants scanned at every value.
    public var energy_difference: Bool = false
    public var energy_difference_eV_per_atom: Double = 1e-3
    /// The two lattice constants (Å) whose E(a₂) − E(a₁) is converged; nil: the two scanned at most values.
    public var difference_lattice_angstrom: [Double]? = nil
    /// Also converge the (mesh) band gap.
    public var gap: Bool = false
    public var gap_eV: Double = 0.01
    /// Relative tolerance on B₀ when a stage scans ≥ 5 lattice constants at every value.
    public var bulk_modulus_relative: Double = 0.01
    /// Also converge the pressure P = −tr σ/3: |P(x) − P(ref)| (GPa); nil = not converged (and in
    /// files written before it could be).
    public var pressure_GPa: Double? = nil
    /// Also converge the forces: the largest |F_i(x) − F_i(ref)| over the atoms (Ha/bohr); nil = not converged.
    public var force_Ha_per_bohr: Double? = nil
    /// Also converge the magnetisation of a spin-polarised scan: the larger of |ΔM| and |Δ∫|m|| per atom
    /// (μB/atom, total and absolute magnetisation); nil = not converged.
    public var magnetization_muB_per_atom: Double? = nil

    public init() {}
}

/// The criteria of each stage's decision, by stage name (`recommended.json`'s `tolerances`). A file
/// written before decisions kept their own criteria holds one set for every stage: it reads as
/// stage "*", which answers for any stage.
public struct StageTolerances: Codable, Sendable, Equatable {
    public var byStage: [String: ConvergenceCriteria]

    public init(_ byStage: [String: ConvergenceCriteria] = [:]) { self.byStage = byStage }

    public subscript(stage: String) -> ConvergenceCriteria? { byStage[stage] ?? byStage["*"] }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let byStage = try? c.decode([String: ConvergenceCriteria].self) {
            self.byStage = byStage
        } else {
            byStage = ["*": try c.decode(ConvergenceCriteria.self)]
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(byStage)
    }
}
