import Bindings
import Numerics
import Foundation

/// The model core charge of the non-linear core correction on `grid`,
/// ρ_c(G) = (1/Ω) Σ_a e^{−iG·τ_a} ρ_c,a(|G|) over every G of the grid (`atomicSuperposition`); nil when no species has one
/// (GTH), so that the XC term is then exactly the one without core correction.
func modelCoreDensity(basis: PlaneWaveBasis, grid: FourierGrid) -> [Double]? {
    let model = basis.model
    let atoms = model.crystal.atoms
    guard atoms.contains(where: { model.pseudopotentials[$0.species]!.hasCoreCharge }) else { return nil }
    return atomicSuperposition(grid: grid) { p, q in p.coreChargeFourier(q) }
}
