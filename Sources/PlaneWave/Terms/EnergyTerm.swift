import Bindings

/// A term of the Kohn–Sham free energy F = Σ_t E_t[ρ, {ψ_nk}, {f_nk}] (R. M. Martin, *Electronic
/// Structure*, ch. 7 and 9; the split into terms is ABINIT's, whose names they carry).
///
/// Contract: `energy` gives E_t of a state; `hamiltonianPart` gives the term's part of the
/// Kohn–Sham Hamiltonian H = δF/δψ* at a density ρ: a local potential V_t(r) = δE_t/δρ(r) on the
/// FFT grid (summed with the other terms' into the one total local potential,
/// `KohnShamTerms.potential`), an operator applied at each k-point (`Hamiltonian`), or nothing.
/// `dependence` states what the energy needs, so that the SCF evaluates each term where that is.
/// A new term conforms to this protocol and is listed in `KohnShamTerms`; one that depends on the
/// atomic positions also conforms to `AtomicForceTerm` (its part of the forces), one that depends on
/// the cell to `StressTerm` (its part of the stress).
public protocol EnergyTerm {
    /// The name ABINIT prints for the term; the key of `EnergyTerms.dictionary`.
    var name: String { get }
    var dependence: EnergyTermDependence { get }
    func energy(_ state: KohnShamState) throws -> Double
    func hamiltonianPart(density rho: [Double]) throws -> HamiltonianPart
}

/// What an energy term depends on.
public enum EnergyTermDependence: Sendable, Equatable {
    /// The structure alone: a constant of the SCF (Ewald, pseudopotential core).
    case structure
    /// The density alone, E[ρ] (local pseudopotential, Hartree, XC): `DensityTerm`.
    case density
    /// The occupied orbitals, Σ_k w_k Σ_n f_nk ⟨ψ_nk|O|ψ_nk⟩ (kinetic, non-local): `OrbitalTerm`.
    case orbitals
    /// The occupations alone (the smearing entropy −TS).
    case occupations
}

/// A term's part of the Kohn–Sham Hamiltonian.
public enum HamiltonianPart {
    /// The term does not act on the orbitals.
    case none
    /// A local multiplicative potential V(r) on the FFT grid (Ha).
    case localPotential([Double])
    /// ½|k+G|², diagonal in the plane waves (`KBasis.kinetic`).
    case kinetic
    /// The separable P D Pᴴ of each k-point (`NonlocalProjectors`).
    case nonlocal
}

/// The state the energy terms are evaluated on: an output density with the occupation-weighted sums
/// of the orbital terms over the same orbitals, and the occupations.
public struct KohnShamState {
    /// ρ(r) on the FFT grid (electrons/bohr³).
    public var density: [Double]
    /// Σ_k w_k Σ_n f_nk ⟨ψ_nk|O_t|ψ_nk⟩ by term name, for the `.orbitals` terms.
    public var orbitalSums: [String: Double]
    public var occupations: Occupations?

    public init(density: [Double] = [], orbitalSums: [String: Double] = [:], occupations: Occupations? = nil) {
        self.density = density; self.orbitalSums = orbitalSums; self.occupations = occupations
    }
}

/// A term that depends on the density only: E[ρ] and its local potential V(r) = δE/δρ(r).
public protocol DensityTerm: EnergyTerm {
    func energyAndPotential(_ rho: [Double]) throws -> (energy: Double, potential: [Double])
    /// E[ρ] alone (for the energy of an output density; terms override it when that is cheaper).
    func energy(_ rho: [Double]) throws -> Double
}

extension DensityTerm {
    public var dependence: EnergyTermDependence { .density }
    public func energy(_ rho: [Double]) throws -> Double { try energyAndPotential(rho).energy }
    public func energy(_ state: KohnShamState) throws -> Double { try energy(state.density) }
    public func hamiltonianPart(density rho: [Double]) throws -> HamiltonianPart {
        .localPotential(try energyAndPotential(rho).potential)
    }
}

/// A term whose energy is E = Σ_k w_k Σ_n f_nk ⟨ψ_nk|O|ψ_nk⟩ for an operator O applied at each
/// k-point; the sums come with the state (`KohnShamState.orbitalSums`), formed over the same
/// orbitals as the density.
public protocol OrbitalTerm: EnergyTerm {
    /// ⟨x_n|O|x_n⟩ for every column of `x` (plane waves of `kbasis` × bands).
    func bandExpectations(_ x: ComplexMatrix, kbasis: KBasis) -> [Double]
}

extension OrbitalTerm {
    public var dependence: EnergyTermDependence { .orbitals }
    public func energy(_ state: KohnShamState) -> Double { state.orbitalSums[name] ?? 0 }
}

/// A density term that can also be evaluated on one process' slab of the density grid (`GridSlab`),
/// so that the density-level work of an SCF step is split over the processes (`SlabDensityStep`):
/// the sum over the processes of the slab energies is E[ρ], the slab potentials put together are
/// V[ρ], equal to the whole-grid evaluation up to the order of the sums.
public protocol SlabDensityTerm: DensityTerm {
    /// Whether this instance can be evaluated on slabs (the same on every process).
    var evaluatesOnSlabs: Bool { get }
    /// This process' part of E[ρ] and V[ρ] at its points, for ρ given at them. Collective.
    func energyAndPotential(_ rho: [Double], on slab: GridSlab) throws -> (energy: Double, potential: [Double])
    /// This process' part of E[ρ] alone. Collective.
    func energy(_ rho: [Double], on slab: GridSlab) throws -> Double
}

extension SlabDensityTerm {
    public var evaluatesOnSlabs: Bool { true }
    public func energy(_ rho: [Double], on slab: GridSlab) throws -> Double { try energyAndPotential(rho, on: slab).energy }
}
