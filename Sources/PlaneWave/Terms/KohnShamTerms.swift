/// The energy terms of a model on one basis, in the order ABINIT prints them, and the total local
/// potential they make: V(r) = Σ_t V_t[ρ](r) over the terms with a local potential
/// (V_loc + V_H[ρ] + V_xc[ρ]), built here only.
///
/// Collinear spin-polarised (`PlaneWaveBasis.spinChannels` = 2) the density is (ρ, m) and the
/// potential (V↑, V↓), each one grid after the other: exchange–correlation, the only term that
/// depends on the magnetisation, gets (ρ, m) and gives (V_xc,↑, V_xc,↓); every other term gets the
/// total ρ and its potential is added to both channels.
public final class KohnShamTerms {
    public private(set) var all: [EnergyTerm]
    /// The non-local pseudopotential, whose projectors the eigensolver builds at each k-point.
    public let nonlocal: NonlocalPseudopotential
    /// The terms that depend on the density alone, in `all`'s order.
    public private(set) var densityTerms: [EnergyTerm]
    /// The terms that depend on the orbitals, in `all`'s order.
    public let orbitalTerms: [OrbitalTerm]
    /// The exchange–correlation term, evaluated on `exchangeCorrelation.xcGrid`.
    public private(set) var exchangeCorrelation: ExchangeCorrelation
    let grid: FourierGrid
    let basis: PlaneWaveBasis

    /// `xcGrid`: the size of the grid exchange–correlation is evaluated on (nil: the density grid).
    public init(basis: PlaneWaveBasis, grid: FourierGrid, xcGrid: [Int]? = nil) throws {
        let model = basis.model
        self.grid = grid
        self.basis = basis
        nonlocal = NonlocalPseudopotential(model: model)
        let xc = try Self.exchangeCorrelation(basis: basis, grid: grid, size: xcGrid ?? grid.size)
        exchangeCorrelation = xc
        all = [Kinetic(), LocalPseudopotential(grid: grid), nonlocal, Hartree(grid: grid), xc, Ewald(model: model),
               PseudopotentialCore(model: model), SmearingEntropy()]
        densityTerms = all.filter { $0.dependence == .density }
        orbitalTerms = all.compactMap { $0 as? OrbitalTerm }
    }

    /// The exchange–correlation term of `basis` evaluated on a grid of `size` (the density grid's
    /// own size: on the density grid), with the model core charge on that grid.
    static func exchangeCorrelation(basis: PlaneWaveBasis, grid: FourierGrid, size: [Int]) throws -> ExchangeCorrelation {
        let xcGrid = size == grid.size ? grid : FourierGrid(basis: basis, size: size)
        return try ExchangeCorrelation(grid: grid, xcGrid: xcGrid, functional: basis.model.functional,
                                       coreDensity: modelCoreDensity(basis: basis, grid: xcGrid), spinChannels: basis.spinChannels)
    }

    /// The same term on a grid of `size`, not yet in use (`use(_:)` puts it in).
    public func exchangeCorrelation(on size: [Int]) throws -> ExchangeCorrelation {
        try Self.exchangeCorrelation(basis: basis, grid: grid, size: size)
    }

    /// Replaces the exchange–correlation term (one on another grid, from `exchangeCorrelation(on:)`).
    public func use(_ xc: ExchangeCorrelation) {
        all = all.map { $0 is ExchangeCorrelation ? xc : $0 }
        densityTerms = all.filter { $0.dependence == .density }
        exchangeCorrelation = xc
    }

    /// The density term `term` is evaluated on: (ρ, m) for exchange–correlation, the total ρ for the
    /// others (`rho` itself without spin).
    func density(for term: EnergyTerm, _ rho: [Double]) -> [Double] {
        basis.spinChannels == 1 || term is ExchangeCorrelation ? rho : Array(rho[0..<grid.count])
    }

    /// V(r) = Σ_t V_t[ρ](r) on the grid (Ha); spin-polarised (V↑, V↓).
    public func potential(_ rho: [Double]) throws -> [Double] {
        let n = grid.count
        var v = [Double](repeating: 0, count: basis.spinChannels * n)
        for term in all {
            guard case .localPotential(let vt) = try term.hamiltonianPart(density: density(for: term, rho)) else { continue }
            if vt.count == v.count {
                for i in 0..<v.count { v[i] += vt[i] }
            } else {
                for s in 0..<basis.spinChannels { for i in 0..<n { v[s * n + i] += vt[i] } }
            }
        }
        return v
    }

    /// Whether the density terms can be evaluated on one process' slab of the grid (`SlabDensityTerm`,
    /// one spin channel): `slabEnergies` and `slabPotential`. The same on every process.
    public var evaluatesOnSlabs: Bool {
        basis.spinChannels == 1 && densityTerms.allSatisfy { ($0 as? SlabDensityTerm)?.evaluatesOnSlabs == true }
    }

    /// This process' parts of `densityEnergies(ρ)` for ρ given at the slab's points: their sum over the
    /// processes is E[ρ] of each density term. Collective.
    public func slabEnergies(_ rho: [Double], on slab: GridSlab) throws -> [Double] {
        try densityTerms.map { try ($0 as! SlabDensityTerm).energy(rho, on: slab) }
    }

    /// V[ρ] = Σ_t V_t[ρ] at the slab's points for ρ given at them (the density terms are the terms with
    /// a local potential, as in `potential`). Collective.
    public func slabPotential(_ rho: [Double], on slab: GridSlab) throws -> [Double] {
        var v = [Double](repeating: 0, count: rho.count)
        for term in densityTerms {
            let vt = try (term as! SlabDensityTerm).energyAndPotential(rho, on: slab).potential
            for i in v.indices { v[i] += vt[i] }
        }
        return v
    }

    /// E[ρ] of each `densityTerms` entry.
    public func densityEnergies(_ rho: [Double]) throws -> [Double] {
        guard basis.spinChannels == 2 else {
            let state = KohnShamState(density: rho)
            return try densityTerms.map { try $0.energy(state) }
        }
        return try densityTerms.map { try $0.energy(KohnShamState(density: density(for: $0, rho))) }
    }

    /// The state a term's forces or stress are evaluated on (its density as in `density(for:_:)`).
    func state(for term: EnergyTerm, _ state: ForceState) -> ForceState {
        guard basis.spinChannels == 2, !(term is ExchangeCorrelation) else { return state }
        var s = state
        s.density = Array(state.density[0..<grid.count])
        return s
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

    /// F_a = Σ_t F_a^t over the `AtomicForceTerm`s (Ha/bohr, Cartesian, one per atom), symmetrised
    /// over the basis' operations (`ForceSymmetrization`). The orbital terms' parts are completed by
    /// `sum` (element-wise over every process, as the density is: collective, called once on every
    /// process); the others are whole on each process.
    public func forces(_ state: ForceState, sum: (inout [Double]) throws -> Void) throws -> [SIMD3<Double>] {
        let atoms = basis.model.crystal.atoms.count
        var orbital = [Double](repeating: 0, count: 3 * atoms)
        var total = [SIMD3<Double>](repeating: .zero, count: atoms)
        for case let term as AtomicForceTerm in all {
            let f = try term.forces(self.state(for: term, state))
            precondition(f.count == atoms, "one force per atom from \(term.name)")
            if term.dependence == .orbitals {
                for a in 0..<atoms { for i in 0..<3 { orbital[3 * a + i] += f[a][i] } }
            } else {
                for a in 0..<atoms { total[a] += f[a] }
            }
        }
        try sum(&orbital)
        for a in 0..<atoms { total[a] += SIMD3(orbital[3 * a], orbital[3 * a + 1], orbital[3 * a + 2]) }
        return ForceSymmetrization.symmetrize(total, crystal: basis.model.crystal, operations: basis.symmetries)
    }

    /// σ_αβ = (1/Ω) Σ_t ∂E_t/∂ε_αβ over the `StressTerm`s (Ha/bohr³, Cartesian rows), symmetrised
    /// over the basis' operations (`StressSymmetrization`). The orbital terms' parts are completed
    /// by `sum` as in `forces` (collective, called once on every process).
    public func stress(_ state: ForceState, sum: (inout [Double]) throws -> Void) throws -> [SIMD3<Double>] {
        var orbital = [Double](repeating: 0, count: 9)
        var total = Tensor3.zero
        for case let term as StressTerm in all {
            let t = try term.strainDerivative(self.state(for: term, state))
            precondition(t.count == 3, "a 3×3 strain derivative from \(term.name)")
            if term.dependence == .orbitals {
                for a in 0..<3 { for b in 0..<3 { orbital[3 * a + b] += t[a][b] } }
            } else {
                total = Tensor3.sum(total, t)
            }
        }
        try sum(&orbital)
        for a in 0..<3 { total[a] += SIMD3(orbital[3 * a], orbital[3 * a + 1], orbital[3 * a + 2]) }
        let sigma = Tensor3.scaled(Tensor3.symmetric(total), 1 / basis.volume)
        return StressSymmetrization.symmetrize(sigma, lattice: basis.model.crystal.lattice, operations: basis.symmetries)
    }
}
