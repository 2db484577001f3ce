import Bindings
import Numerics
import Foundation

/// The strain derivative of the atom-centred radial parts in E = ∫ f g d³r, for the fixed field f
/// and g_G = (1/Ω) Σ_a e^{−iG·τ_a} g_a(|G|) (`atomCentredForces`' setting). Under strain G·τ_a and
/// Ω f_G stay fixed, |G| changes by ∂|G|/∂ε_αβ = −G_α G_β/|G|, so besides the −δ_αβ E of the 1/Ω
/// (which the caller adds) the radial parts give
///   T_αβ = −Σ_{G≠0} Re[f̄_G Σ_a e^{−iG·τ_a} g′_a(|G|)] G_α G_β/|G|    (Ha; σ = T/Ω + …),
/// over the grid's G as the densities were built. `derivative(species, q)` gives g′_a(q). The G are
/// split between processes by `share`, which completes the sum (collective).
func atomCentredStress(grid: FourierGrid, field: [Double], model: Model, share: ProcessShare,
                       derivative: (any Pseudopotential, Double) -> Double) throws -> [SIMD3<Double>] {
    var t = Tensor3.zero
    forEachAtomCentredTerm(grid: grid, field: field, model: model, share: share, radial: derivative) { g, q, fbar, terms in
        var z = Complex64.zero
        for term in terms { z += term }
        let w = (fbar * z).real / q
        if w == 0 { return }
        t[0] -= w * g.x * g; t[1] -= w * g.y * g; t[2] -= w * g.z * g
    }
    var flat = (0..<9).map { t[$0 / 3][$0 % 3] }
    try share.complete(&flat)
    return (0..<3).map { SIMD3(flat[3 * $0], flat[3 * $0 + 1], flat[3 * $0 + 2]) }
}
