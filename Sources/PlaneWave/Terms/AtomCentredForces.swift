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
/// identically zero get no force.
func atomCentredForces(grid: FourierGrid, field: [Double], model: Model,
                       radial: (any Pseudopotential, Double) -> Double) -> [SIMD3<Double>] {
    let atoms = model.crystal.atoms
    let species = Array(Set(atoms.map(\.species))).sorted()
    let potentials = species.map { model.pseudopotentials[$0]! }
    let atomSpecies = atoms.map { a in species.firstIndex(of: a.species)! }
    let b = model.crystal.lattice.reciprocal
    let fG = grid.fourier(field)
    var forces = [SIMD3<Double>](repeating: .zero, count: atoms.count)
    var values = [Double](repeating: 0, count: species.count)
    for (i, m) in grid.millers.enumerated() {
        let g2 = grid.g2[i]
        if g2 == 0 { continue }
        let q = g2.squareRoot()
        for s in species.indices { values[s] = radial(potentials[s], q) }
        let g = Double(m.x) * b[0] + Double(m.y) * b[1] + Double(m.z) * b[2]
        let fbar = fG[i].conjugate
        for (a, atom) in atoms.enumerated() {
            let v = values[atomSpecies[a]]
            if v == 0 { continue }
            let phase = -2 * Double.pi * (Double(m.x) * atom.position.x + Double(m.y) * atom.position.y + Double(m.z) * atom.position.z)
            let z = Complex64(cos(phase), sin(phase)) * fbar * v
            forces[a] -= g * z.imaginary          // Re(i z) = −Im z
        }
    }
    return forces
}
