/// The energy terms of a model on one basis, in the order ABINIT prints them, and the total local
/// potential they make: V(r) = Σ_t V_t[ρ](r) over the terms with a local potential
/// (V_loc + V_H[ρ] + V_xc[ρ]), built here only.
public final class KohnShamTerms {
    public let all: [EnergyTerm]
    /// The non-local pseudopotential, whose projectors the eigensolver builds at each k-point.
    public let nonlocal: NonlocalPseudopotential
    /// The terms that depend on the density alone, in `all`'s order.
    public let densityTerms: [EnergyTerm]
    /// The terms that depend on the orbitals, in `all`'s order.
    public let orbitalTerms: [OrbitalTerm]
    let grid: FourierGrid

    public init(basis: PlaneWaveBasis, grid: FourierGrid) throws {
        let model = basis.model
        self.grid = grid
        nonlocal = NonlocalPseudopotential(model: model)
        all = [Kinetic(), LocalPseudopotential(grid: grid), nonlocal, Hartree(grid: grid),
               try ExchangeCorrelation(grid: grid, functional: model.functional, coreDensity: modelCoreDensity(basis: basis, grid: grid)), Ewald(model: model),
               PseudopotentialCore(model: model), SmearingEntropy()]
        densityTerms = all.filter { $0.dependence == .density }
        orbitalTerms = all.compactMap { $0 as? OrbitalTerm }
    }

    /// V(r) = Σ_t V_t[ρ](r) on the grid (Ha).
    public func potential(_ rho: [Double]) throws -> [Double] {
        var v = [Double](repeating: 0, count: grid.count)
        for term in all {
            guard case .localPotential(let vt) = try term.hamiltonianPart(density: rho) else { continue }
            for i in 0..<v.count { v[i] += vt[i] }
        }
        return v
    }

    /// E[ρ] of each `densityTerms` entry.
    public func densityEnergies(_ rho: [Double]) throws -> [Double] {
        let state = KohnShamState(density: rho)
        return try densityTerms.map { try $0.energy(state) }
    }

    /// Every term's energy: the density terms' from `densityEnergies` (as by `densityEnergies(_:)`,
    /// possibly evaluated on another process), the others from `state`.
    public func energies(densityEnergies: [Double], state: KohnShamState) throws -> EnergyTerms {
        precondition(densityEnergies.count == densityTerms.count, "one energy per density term")
        var result = EnergyTerms()
        var d = 0
        for term in all {
            if term.dependence == .density {
                result[term.name] = densityEnergies[d]
                d += 1
            } else {
                result[term.name] = try term.energy(state)
            }
        }
        return result
    }
}
