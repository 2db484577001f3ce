import Bindings
import Numerics
import Foundation

/// The local part of the pseudopotentials, V_loc(G) = (1/Ω) Σ_a e^{−iG·τ_a} v_a(|G|) for G ≠ 0;
/// E = ∫ V_loc ρ. The G = 0 component is left out of the potential (ABINIT's convention, which
/// also fixes the eigenvalue reference) and accounted for by `PseudopotentialCore`.
public final class LocalPseudopotential: DensityTerm {
    public let name = "local_psp"
    public let potential: [Double]
    let grid: FourierGrid

    public init(grid: FourierGrid) {
        self.grid = grid
        potential = atomicSuperposition(grid: grid, skippingOrigin: true) { p, q in p.localFourier(q) }
    }

    public func energyAndPotential(_ rho: [Double]) -> (energy: Double, potential: [Double]) {
        (grid.integrate(potential, rho), potential)
    }

    public func energy(_ rho: [Double]) -> Double { grid.integrate(potential, rho) }

    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .localPotential(potential) }
}

extension LocalPseudopotential: SlabDensityTerm {
    /// V_loc at the slab's points; this process' part of ∫ V_loc ρ.
    public func energyAndPotential(_ rho: [Double], on slab: GridSlab) -> (energy: Double, potential: [Double]) {
        let v = slab.slice(potential)
        return (slab.integrate(v, rho), v)
    }
}

/// The G = 0 limit of the local pseudopotentials: E = N_el · Σ_a ε_a / Ω with
/// ε_a = lim_{q→0} [v_a(q) + 4πZ_a/q²] (ABINIT's "psp_core"; constant for a fixed cell).
public final class PseudopotentialCore: EnergyTerm {
    public let name = "psp_core"
    public let dependence = EnergyTermDependence.structure
    public let value: Double

    public init(model: Model) { value = PseudopotentialCore.energy(model: model) }

    public func energy(_ state: KohnShamState) -> Double { value }
    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .none }

    public static func energy(model: Model) -> Double {
        let eps = model.crystal.atoms.reduce(0.0) { $0 + model.pseudopotentials[$1.species]!.localCoreTerm }
        return Double(model.electronCount) * eps / model.crystal.lattice.volume
    }
}

extension LocalPseudopotential: AtomicForceTerm {
    /// F_a = −∂/∂τ_a ∫ V_loc ρ = Re Σ_{G≠0} iG v_a(|G|) e^{−iG·τ_a} ρ̄_G (`atomCentredForces`).
    public func forces(_ state: ForceState) throws -> [SIMD3<Double>] {
        try atomCentredForces(grid: grid, field: state.density, model: grid.basis.model, share: state.share) { pp, q in pp.localFourier(q) }
    }
}

extension LocalPseudopotential: StressTerm {
    /// E = Σ_{G≠0} Re[(Ωρ_G)‾ Σ_a e^{−iG·τ_a} v_a(|G|)]/Ω: the 1/Ω gives −δ_αβ E, the radial parts
    /// `atomCentredStress` with f = ρ, g′ = v′_a.
    public func strainDerivative(_ state: ForceState) throws -> [SIMD3<Double>] {
        let e = grid.integrate(potential, state.density)
        let t = try atomCentredStress(grid: grid, field: state.density, model: grid.basis.model, share: state.share) {
            pp, q in pp.localFourierDerivative(q)
        }
        return Tensor3.sum(t, Tensor3.scaled(Tensor3.identity, -e))
    }
}

extension PseudopotentialCore: StressTerm {
    /// E ∝ 1/Ω: ∂E/∂ε_αβ = −δ_αβ E.
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] { Tensor3.scaled(Tensor3.identity, -value) }
}
