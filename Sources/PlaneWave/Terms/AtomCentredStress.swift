import Bindings
import Numerics
import Foundation

/// The strain derivative of the atom-centred radial parts in E = ∫ f g d³r, for the fixed field f
/// and g_G = (1/Ω) Σ_a e^{−iG·τ_a} g_a(|G|) (`atomCentredForces`' setting). Under strain G·τ_a and
/// Ω f_G stay fixed, |G| changes by ∂|G|/∂ε_αβ = −G_α G_β/|G|, so besides the −δ_αβ E of the 1/Ω
/// (which the caller adds) the radial parts give
///   T_αβ = −Σ_{G≠0} Re[f̄_G Σ_a e^{−iG·τ_a} g′_a(|G|)] G_α G_β/|G|    (Ha; σ = T/Ω + …),
/// over the grid's G as the densities were built. `derivative(species, q)` gives g′_a(q).
func atomCentredStress(grid: FourierGrid, field: [Double], model: Model,
                       derivative: (any Pseudopotential, Double) -> Double) -> [SIMD3<Double>] {
    let atoms = model.crystal.atoms
    let species = Array(Set(atoms.map(\.species))).sorted()
    let potentials = species.map { model.pseudopotentials[$0]! }
    let atomSpecies = atoms.map { a in species.firstIndex(of: a.species)! }
    let b = model.crystal.lattice.reciprocal
    let fG = grid.fourier(field)
    var t = Tensor3.zero
    var values = [Double](repeating: 0, count: species.count)
    for (i, m) in grid.millers.enumerated() {
        let g2 = grid.g2[i]
        if g2 == 0 { continue }
        let q = g2.squareRoot()
        for s in species.indices { values[s] = derivative(potentials[s], q) }
        var z = Complex64.zero
        for (a, atom) in atoms.enumerated() {
            let v = values[atomSpecies[a]]
            if v == 0 { continue }
            let phase = -2 * Double.pi * (Double(m.x) * atom.position.x + Double(m.y) * atom.position.y + Double(m.z) * atom.position.z)
            z += Complex64(cos(phase), sin(phase)) * v
        }
        let w = (fG[i].conjugate * z).real / q
        if w == 0 { continue }
        let g = Double(m.x) * b[0] + Double(m.y) * b[1] + Double(m.z) * b[2]
        t[0] -= w * g.x * g; t[1] -= w * g.y * g; t[2] -= w * g.z * g
    }
    return t
}
