import Bindings
import Numerics
import Foundation

/// The walk shared by the forces and the stress of atom-centred densities g(r) = Σ_a g_a(r − τ_a) in
/// an energy E = ∫ f g d³r (`atomCentredForces`, `atomCentredStress`): over the grid's G ≠ 0 with
/// their centred Miller indices m (as the densities were built), it calls
/// `body(G, |G|, f̄_G, terms)` with G = Σ mᵢ bᵢ (bohr⁻¹, Cartesian), f_G = (1/N) Σ_r f(r) e^{−iG·r}
/// (`FourierGrid`) and terms[a] = r_a(|G|) e^{−iG·τ_a}, where `radial(species, q)` gives r_a (the
/// radial part or its derivative); G where every radial value is zero are skipped, and so are the
/// points outside this process' range of `share` (the caller completes the sum).
func forEachAtomCentredTerm(grid: FourierGrid, field: [Double], model: Model, share: ProcessShare,
                            radial: (any Pseudopotential, Double) -> Double,
                            _ body: (SIMD3<Double>, Double, Complex64, [Complex64]) -> Void) {
    let atoms = model.crystal.atoms
    let species = Array(Set(atoms.map(\.species))).sorted()
    let potentials = species.map { model.pseudopotentials[$0]! }
    let atomSpecies = atoms.map { a in species.firstIndex(of: a.species)! }
    let b = model.crystal.lattice.reciprocal
    let fG = grid.fourier(field)
    var values = [Double](repeating: 0, count: species.count)
    var terms = [Complex64](repeating: .zero, count: atoms.count)
    let phases = AtomPhases(atoms: atoms, size: grid.size)
    let points = share.range(of: grid.count)
    grid.forEachPoint { i, m, g2 in
        if g2 == 0 || !points.contains(i) { return }
        let q = g2.squareRoot()
        for s in species.indices { values[s] = radial(potentials[s], q) }
        if values.allSatisfy({ $0 == 0 }) { return }
        for a in atoms.indices {
            let v = values[atomSpecies[a]]
            if v == 0 { terms[a] = .zero; continue }
            terms[a] = phases(a, m) * v
        }
        let g = Double(m.x) * b[0] + Double(m.y) * b[1] + Double(m.z) * b[2]
        body(g, q, fG[i].conjugate, terms)
    }
}
