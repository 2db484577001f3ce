import Bindings
import Numerics
import Foundation

/// The model core charge of the non-linear core correction on `grid`,
/// ρ_c(G) = (1/Ω) Σ_a e^{−iG·τ_a} ρ_c,a(|G|) over every G of the grid; nil when no species has one
/// (GTH), so that the XC term is then exactly the one without core correction.
func modelCoreDensity(basis: PlaneWaveBasis, grid: FourierGrid) -> [Double]? {
    let model = basis.model
    let atoms = model.crystal.atoms
    guard atoms.contains(where: { model.pseudopotentials[$0.species]!.hasCoreCharge }) else { return nil }
    let species = Array(Set(atoms.map(\.species))).sorted()
    let potentials = species.map { model.pseudopotentials[$0]! }
    let atomSpecies = atoms.map { a in species.firstIndex(of: a.species)! }
    var rhoG = [Complex64](repeating: .zero, count: grid.count)
    var radial = [Double](repeating: 0, count: species.count)
    // ρ_c,s(|G|) once per shell of equal |G| (to 1e-12 bohr⁻¹):
    // the shells beyond the tables of a fine XC grid are integrated directly
    var shells: [Int64: [Double]] = [:]
    grid.forEachPoint { i, m, g2 in
        let q = g2.squareRoot()
        let key = Int64((q * 1e12).rounded())
        if let known = shells[key] {
            radial = known
        } else {
            for s in species.indices { radial[s] = potentials[s].coreChargeFourier(q) }
            shells[key] = radial
        }
        var v = Complex64.zero
        for (a, atom) in atoms.enumerated() where radial[atomSpecies[a]] != 0 {
            let phase = -2 * Double.pi * (Double(m.x) * atom.position.x + Double(m.y) * atom.position.y + Double(m.z) * atom.position.z)
            v += Complex64(cos(phase), sin(phase)) * radial[atomSpecies[a]]
        }
        rhoG[i] = v * (1 / basis.volume)
    }
    return grid.real(rhoG)
}
