import Bindings

/// A term of the Kohn–Sham free energy that depends on the cell, and its part ∂E_t/∂ε_αβ of the
/// stress σ_αβ = (1/Ω) ∂F/∂ε_αβ (Ha/bohr³, Cartesian; ABINIT's `strten` convention: positive under
/// tension, pressure P = −tr σ/3) under the homogeneous strain r → (1 + ε) r of the cell, the
/// atoms fixed in reduced coordinates (Nielsen & Martin, PRB 32, 3780 (1985)). The sum over the
/// terms is divided by Ω once (`KohnShamTerms.stress`).
///
/// Contract: as for the forces (`AtomicForceTerm`), F is stationary in ρ, ψ_nk and f_nk at
/// self-consistency, so dF/dε is the sum of the terms' explicit derivatives at fixed normalised
/// plane-wave coefficients c_nk(G), fixed occupations f_nk and the plane-wave set fixed in Miller
/// indices (k + G → (1 + ε)^{−T}(k + G), Ω → Ω det(1 + ε), Ω ρ_G fixed). The smearing entropy −TS
/// of fixed occupations has none. A `.orbitals` term returns the contribution of the orbitals in
/// `ForceState.orbitals` and the bands of `ForceState.ownsBand`, summed over processes by the
/// caller (`KohnShamTerms.stress`); the others return the whole tensor on every process. Each term
/// returns the symmetric part; none symmetrises over the crystal's operations
/// (`StressSymmetrization` does, once).
public protocol StressTerm: EnergyTerm {
    /// ∂E_t/∂ε_αβ at ε = 0, as its three rows (Ha).
    func strainDerivative(_ state: ForceState) throws -> [SIMD3<Double>]
}

/// A 3×3 Cartesian tensor as its rows.
enum Tensor3 {
    static let zero = [SIMD3<Double>](repeating: .zero, count: 3)
    static let identity = [SIMD3<Double>(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]

    /// a bᵀ (rows a_α b).
    static func outer(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> [SIMD3<Double>] { [a.x * b, a.y * b, a.z * b] }

    static func scaled(_ t: [SIMD3<Double>], _ s: Double) -> [SIMD3<Double>] { t.map { s * $0 } }

    static func sum(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>]) -> [SIMD3<Double>] { zip(a, b).map { $0 + $1 } }

    /// (t + tᵀ)/2.
    static func symmetric(_ t: [SIMD3<Double>]) -> [SIMD3<Double>] {
        (0..<3).map { a in SIMD3((0..<3).map { b in (t[a][b] + t[b][a]) / 2 }) }
    }
}
