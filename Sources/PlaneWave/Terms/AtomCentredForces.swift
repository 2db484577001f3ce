import Bindings
import Numerics
import Foundation

/// The force of a fixed field f(r) on atom-centred densities g(r) = Σ_a g_a(r − τ_a) on a grid,
/// for an energy E = ∫ f g d³r with g's coefficients g_G = (1/Ω) Σ_a e^{−iG·τ_a} g_a(|G|)
/// (`LocalPseudopotential` with f = ρ, g = V_loc; the core correction with f = V_xc, g = ρ_c):
///   F_a = −∂E/∂τ_a = Re Σ_G iG g_a(|G|) e^{−iG·τ_a} f̄_G,
/// f_G = (1/N) Σ_r f(r) e^{−iG·r} (`FourierGrid`). The sum runs over the grid's G with their centred
/// Miller indices, as the densities were built, so the result is the exact derivative of the
/// grid energy (the real part taken after the sum, as `FourierGrid.real` takes it).
/// `radial(species, q)` gives g_a(q) (Ha·bohr³ or electrons); atoms whose radial part is
/// identically zero get no force. The G are split between processes by `share`, which completes
/// the sum (collective).
func atomCentredForces(grid: FourierGrid, field: [Double], model: Model, share: ProcessShare,
                       radial: (any Pseudopotential, Double) -> Double) throws -> [SIMD3<Double>] {
    let atoms = model.crystal.atoms.count
    var forces = [Double](repeating: 0, count: 3 * atoms)
    forEachAtomCentredTerm(grid: grid, field: field, model: model, share: share, radial: radial) { g, _, fbar, terms in
        for (a, term) in terms.enumerated() where term != .zero {
            let f = g * (term * fbar).imaginary          // Re(i z) = −Im z
            forces[3 * a] -= f.x; forces[3 * a + 1] -= f.y; forces[3 * a + 2] -= f.z
        }
    }
    try share.complete(&forces)
    return (0..<atoms).map { SIMD3(forces[3 * $0], forces[3 * $0 + 1], forces[3 * $0 + 2]) }
}
