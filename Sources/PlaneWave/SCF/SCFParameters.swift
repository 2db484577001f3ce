import Bindings

/// Iterative diagonalisation method.
public enum EigensolverKind: String, Sendable, CaseIterable {
    /// Block LOBPCG with a kinetic (TPA) preconditioner, on FFT-applied Hamiltonians.
    case lobpcg
    /// Full Hamiltonian matrix diagonalised densely (small bases, tests).
    case dense
}

/// Settings of the self-consistent field loop.
public struct SCFParameters: Sendable, Equatable {
    /// Stop when |ΔF| between iterations is below this (Ha)…
    public var energyTolerance: Double = 1e-9
    /// …and the density residual ‖ρ_out − ρ_in‖ (L2, electrons) is below this.
    public var densityTolerance: Double = 1e-5
    public var maxIterations: Int = 100
    /// Anderson/Pulay mixing: damping β and history length.
    public var mixingDamping: Double = 0.7
    public var mixingHistory: Int = 8
    /// Kerker screening wave vector (bohr⁻¹); 0 disables the preconditioner.
    public var kerkerWavevector: Double = 0.8
    public var eigensolver: EigensolverKind = .lobpcg
    /// The exchange–correlation grid policy (`XCGridRefinement`): at convergence, E_xc of the
    /// density is recomputed on a grid 25 % finer; while it moves by more than this (Ha per atom) the
    /// SCF goes on with the finer grid. nil: E_xc on the density grid only (as ABINIT and QE do).
    public var xcGridTolerance: Double? = 2e-7

    public init() {}

    public func validated() throws -> SCFParameters {
        guard energyTolerance > 0, energyTolerance.isFinite else { throw InputError("scf.energy_tolerance", "must be positive, got \(energyTolerance)") }
        guard densityTolerance > 0, densityTolerance.isFinite else { throw InputError("scf.density_tolerance", "must be positive, got \(densityTolerance)") }
        guard maxIterations >= 1 else { throw InputError("scf.max_iterations", "must be at least 1, got \(maxIterations)") }
        guard mixingDamping > 0, mixingDamping <= 1 else { throw InputError("scf.mixing.damping", "must be in (0, 1], got \(mixingDamping)") }
        guard mixingHistory >= 1 else { throw InputError("scf.mixing.history", "must be at least 1, got \(mixingHistory)") }
        if let t = xcGridTolerance, !(t > 0 && t.isFinite) { throw InputError("basis.xc_grid_tolerance", "must be positive, got \(t) Ha") }
        guard kerkerWavevector >= 0, kerkerWavevector.isFinite else { throw InputError("scf.mixing.kerker", "must be ≥ 0, got \(kerkerWavevector)") }
        return self
    }
}
