import Foundation
import Input
import PlaneWave

/// The ACWF verification metrics of a Birch–Murnaghan equation of state (a) against a reference
/// (b), per atom (Bosoni et al., "How to verify the precision of density-functional-theory
/// implementations via reproducible and universal workflows", Nat. Rev. Phys. 6, 45 (2024)):
///
/// - both curves E(V) = (9V₀B₀/16)[(x − 1)³B₁ + (x − 1)²(6 − 4x)], x = (V₀/V)^{2/3}, with their
///   minimum at E = 0, compared over the window [V_m, V_M] = [0.94, 1.06] × (V₀ₐ + V₀ᵦ)/2, with
///   ⟨f⟩ = ∫ f dV / (V_M − V_m);
/// - Δ = √⟨(Eₐ − Eᵦ)²⟩ (meV/atom; Lejaeghere et al., Science 351, aad3000 (2016));
/// - ε = √( ⟨(Eₐ − Eᵦ)²⟩ / √(⟨(Eₐ − ⟨Eₐ⟩)²⟩ ⟨(Eᵦ − ⟨Eᵦ⟩)²⟩) );
/// - ν = 100 √( δV₀² + (w_B₀ δB₀)² + (w_B₁ δB₁)² ), δY = 2(Yₐ − Yᵦ)/(Yₐ + Yᵦ), w_B₀ = 1/20, w_B₁ = 1/400.
///
/// The integrals are exact: E is a cubic in u = (V̄/V)^{2/3} (V̄ the window's centre), so each
/// integrand is a polynomial in u and ∫ uⁿ dV = V̄ [(V/V̄)^{1−2n/3}/(1 − 2n/3)].
///
/// Thresholds (the paper's): ε ≤ 0.06 excellent, ≤ 0.20 good, > 1 outlier; ν ≤ 0.10 excellent,
/// ≤ 0.33 good, > 1.65 outlier; in between "different". Δ has no ACWF threshold (it scales with B₀).
public struct EOSVerification: Codable, Sendable, Equatable {
    /// Our fit's parameters per atom (V₀ in Å³, B₀ in GPa, B₁).
    public let V0_angstrom3_per_atom: Double
    public let B0_GPa: Double
    public let B1: Double
    public let reference: ReferenceEOS
    /// [V_m, V_M] (Å³/atom).
    public let window_angstrom3_per_atom: [Double]
    public let delta_meV_per_atom: Double
    public let nu: Double
    public let epsilon: Double
    /// "excellent", "good", "different" or "outlier".
    public let nu_rating: String
    public let epsilon_rating: String

    public static let nuWeights = (B0: 1.0 / 20, B1: 1.0 / 400)
    public static let epsilonThresholds = (excellent: 0.06, good: 0.20, outlier: 1.0)
    public static let nuThresholds = (excellent: 0.10, good: 0.33, outlier: 1.65)
    /// GPa in eV/Å³.
    static let GPaInEVPerAngstrom3 = 1 / (Units.hartreePerBohr3InGPa / (Units.hartreeInEV * pow(Units.angstrom, 3)))

    /// The metrics of (V₀, B₀, B₁) per atom (Å³, GPa) against `reference`.
    public init(V0_angstrom3_per_atom v0: Double, B0_GPa b0: Double, B1 b1: Double, reference r: ReferenceEOS) {
        V0_angstrom3_per_atom = v0; B0_GPa = b0; B1 = b1; reference = r
        let centre = (v0 + r.V0_angstrom3_per_atom) / 2
        let (lo, hi) = (0.94 * centre, 1.06 * centre)
        window_angstrom3_per_atom = [lo, hi]
        let a = Self.coefficients(V0: v0, B0: b0 * Self.GPaInEVPerAngstrom3, B1: b1, centre: centre)
        let b = Self.coefficients(V0: r.V0_angstrom3_per_atom, B0: r.B0_GPa * Self.GPaInEVPerAngstrom3, B1: r.B1, centre: centre)
        func mean(_ p: [Double]) -> Double { Self.integral(p, centre: centre, from: lo, to: hi) / (hi - lo) }
        let d = zip(a, b).map { $0 - $1 }
        let msd = mean(Self.product(d, d))
        let varA = mean(Self.product(a, a)) - pow(mean(a), 2)
        let varB = mean(Self.product(b, b)) - pow(mean(b), 2)
        delta_meV_per_atom = 1000 * max(msd, 0).squareRoot()
        epsilon = (max(msd, 0) / (varA * varB).squareRoot()).squareRoot()
        func rel(_ x: Double, _ y: Double) -> Double { 2 * (x - y) / (x + y) }
        let w = Self.nuWeights
        nu = 100 * (pow(rel(v0, r.V0_angstrom3_per_atom), 2) + pow(w.B0 * rel(b0, r.B0_GPa), 2)
                    + pow(w.B1 * rel(b1, r.B1), 2)).squareRoot()
        nu_rating = Self.rating(nu, Self.nuThresholds)
        epsilon_rating = Self.rating(epsilon, Self.epsilonThresholds)
    }

    /// The metrics of `fit` (a cell of `atoms` atoms) against `reference`.
    public init(fit: EquationOfState.Fit, atoms: Int, reference: ReferenceEOS) {
        self.init(V0_angstrom3_per_atom: fit.V0_bohr3 / pow(Units.angstrom, 3) / Double(atoms), B0_GPa: fit.B0_GPa,
                  B1: fit.B0_prime, reference: reference)
    }

    static func rating(_ x: Double, _ t: (excellent: Double, good: Double, outlier: Double)) -> String {
        x <= t.excellent ? "excellent" : x <= t.good ? "good" : x <= t.outlier ? "different" : "outlier"
    }

    /// The threshold text for the report, e.g. `excellent ≤ 0.06, good ≤ 0.20, outlier > 1`.
    public static func thresholdText(_ t: (excellent: Double, good: Double, outlier: Double)) -> String {
        String(format: "excellent ≤ %.2f, good ≤ %.2f, outlier > %.3g", t.excellent, t.good, t.outlier)
    }

    /// E(V) − E₀ (eV) of BM3 as a cubic in u = (V̄/V)^{2/3}: with x = r u, r = (V₀/V̄)^{2/3},
    /// E = k[(B₁ − 4) x³ + (14 − 3B₁) x² + (3B₁ − 16) x + (6 − B₁)], k = 9V₀B₀/16.
    static func coefficients(V0: Double, B0: Double, B1: Double, centre: Double) -> [Double] {
        let k = 9 * V0 * B0 / 16, r = pow(V0 / centre, 2.0 / 3)
        return [k * (6 - B1), k * (3 * B1 - 16) * r, k * (14 - 3 * B1) * r * r, k * (B1 - 4) * r * r * r]
    }

    static func product(_ p: [Double], _ q: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: p.count + q.count - 1)
        for (i, x) in p.enumerated() { for (j, y) in q.enumerated() { out[i + j] += x * y } }
        return out
    }

    /// ∫ Σ pₙ uⁿ dV from `lo` to `hi`, u = (centre/V)^{2/3}.
    static func integral(_ p: [Double], centre: Double, from lo: Double, to hi: Double) -> Double {
        p.enumerated().reduce(0) { sum, term in
            let e = 1 - 2 * Double(term.offset) / 3
            return sum + term.element * centre * (pow(hi / centre, e) - pow(lo / centre, e)) / e
        }
    }
}
