import Bindings

/// Iterative diagonalisation method.
public enum EigensolverKind: String, Sendable, CaseIterable {
    /// Block LOBPCG with a kinetic (TPA) preconditioner, on FFT-applied Hamiltonians.
    case lobpcg
    /// Full Hamiltonian matrix diagonalised densely (small bases, tests).
    case dense
}

/// The model of the mixing preconditioner (`scf.mixing.preconditioner`).
public enum MixingModel: String, Sendable, CaseIterable {
    /// P = 1 (`NoPreconditioner`).
    case none
    /// Kerker's G²/(G² + q₀²) (`KerkerPreconditioner`).
    case kerker
    /// The homogeneous dielectric model with ε_r (`KerkerPreconditioner` with a dielectric constant).
    case dielectric
    /// The dielectric (or, without ε_r, Thomas–Fermi) model confined to the material
    /// (`InhomogeneousDielectricPreconditioner`): for slabs, surfaces, molecules in a box.
    case hybrid
}

/// Where the mixing's density-level state lives when several processes share one calculation
/// (`scf.density_grid`).
public enum DensityGridLayout: String, Sendable, CaseIterable {
    /// Slabs from `slabPoints` grid points on, whole below (`SlabDensityStep`, `SharedDensityStep`).
    case auto
    /// In slabs of the density grid over the processes (FFTW-MPI's layout), whatever its size.
    case slabs
    /// Whole on one process (`SharedDensityStep`).
    case whole

    /// `auto` distributes grids of at least this many points (48³): below it the mixing's grids are a
    /// few MB and its work milliseconds, less than a distributed FFT's exchanges.
    public static let slabPoints = 48 * 48 * 48
}

/// Settings of the self-consistent field loop.
public struct SCFParameters: Sendable, Equatable {
    /// Stop when |ΔF| between iterations is below this (Ha; nil: `energyTolerancePerAtom` per atom)…
    public var energyTolerance: Double? = nil
    /// …and the density residual ‖ρ_out − ρ_in‖ (L2, electrons) is below this (nil:
    /// `densityTolerancePerElectron` per valence electron). See `SCFConvergence`.
    public var densityTolerance: Double? = nil
    /// The default energy tolerance per atom (Ha): 1e-9 Ha for a two-atom cell.
    public static let energyTolerancePerAtom = 5e-10
    /// The default density tolerance per valence electron (L2 norm): 1e-5 for eight electrons.
    public static let densityTolerancePerElectron = 1.25e-6
    public var maxIterations: Int = 100
    /// Anderson/Pulay mixing: damping β and history length.
    public var mixingDamping: Double = 0.7
    public var mixingHistory: Int = 8
    /// Kerker screening wave vector (bohr⁻¹); 0 disables the preconditioner.
    public var kerkerWavevector: Double = 0.8
    /// The dielectric constant ε_r of the screening model (`KerkerPreconditioner`,
    /// `InhomogeneousDielectricPreconditioner`); nil: ∞ (a metal).
    public var mixingDielectricConstant: Double? = nil
    /// The mixing preconditioner's model; nil: Kerker, with ε_r the dielectric one, none when the
    /// wave vector is 0 (`mixingPreconditioner(grid:)`).
    public var mixingModel: MixingModel? = nil
    /// ρ_c of the hybrid model's localisation function (electrons/bohr³, `DielectricLocalization`).
    public var mixingLocalizationDensity: Double = DielectricLocalization.defaultDensity
    /// Spin-polarised, the factor s of the magnetisation's residual against the density's
    /// (`CollinearSpinPreconditioner`): the step of m is β s Δm; 1 steps m as the unscreened density.
    /// ½ by default: with 1, fcc Ni (PBE, GTH q18, 50 Ha, 4×4×4, Fermi–Dirac 0.005 Ha, from 2 μB)
    /// ends on its non-magnetic solution, 4.9e-4 Ha above the ferromagnet ABINIT reaches on the
    /// same input, which ½ finds (bcc Fe then takes two SCF steps more).
    public var magnetizationMixingFactor: Double = 0.5
    public var eigensolver: EigensolverKind = .lobpcg
    /// LOBPCG at Γ on real wave functions (`RealCoefficientsAtGamma`, ABINIT's `istwfk 2`): half the
    /// storage and work of complex ones. false: complex coefficients everywhere (for comparisons).
    public var realWavefunctionsAtGamma = true
    /// Bytes LOBPCG's blocks may take per k-point and process (its workspace holds about eight blocks
    /// of all bands); beyond it the bands are solved in band blocks (`LOBPCG.bandBlock`,
    /// `solveInBandBlocks`), so that a large cell's eigensolver needs little more than its orbitals.
    public var eigensolverMemory = SCFParameters.defaultEigensolverMemory
    public static let defaultEigensolverMemory = 48 << 20
    /// With several processes, the density grid of the mixing in slabs over them or whole on one.
    public var densityGrid = DensityGridLayout.auto
    /// The exchange–correlation grid policy (`XCGridRefinement`): at convergence, E_xc of the
    /// density is recomputed on a grid 25 % finer; while it moves by more than this (Ha per atom) the
    /// SCF goes on with the finer grid. nil: E_xc on the density grid only (as ABINIT and QE do).
    public var xcGridTolerance: Double? = 2e-7

    public init() {}

    public func validated() throws -> SCFParameters {
        if let e = energyTolerance, !(e > 0 && e.isFinite) { throw InputError("scf.energy_tolerance", "must be positive, got \(e) Ha") }
        if let d = densityTolerance, !(d > 0 && d.isFinite) { throw InputError("scf.density_tolerance", "must be positive, got \(d) electrons") }
        guard eigensolverMemory > 0 else { throw InputError("scf.eigensolver_memory", "must be a positive size, got \(eigensolverMemory) bytes") }
        guard maxIterations >= 1 else { throw InputError("scf.max_iterations", "must be at least 1, got \(maxIterations)") }
        guard mixingDamping > 0, mixingDamping <= 1 else { throw InputError("scf.mixing.damping", "must be in (0, 1], got \(mixingDamping)") }
        guard mixingHistory >= 1 else { throw InputError("scf.mixing.history", "must be at least 1, got \(mixingHistory)") }
        if let t = xcGridTolerance, !(t > 0 && t.isFinite) { throw InputError("basis.xc_grid_tolerance", "must be positive, got \(t) Ha") }
        guard kerkerWavevector >= 0, kerkerWavevector.isFinite else { throw InputError("scf.mixing.kerker", "must be ≥ 0, got \(kerkerWavevector)") }
        guard magnetizationMixingFactor > 0, magnetizationMixingFactor.isFinite else {
            throw InputError("scf.mixing.magnetization_factor", "must be a positive number, got \(magnetizationMixingFactor)")
        }
        if let e = mixingDielectricConstant, !(e >= 1 && e.isFinite) {
            throw InputError("scf.mixing.dielectric_constant", "must be a number ≥ 1 (or omitted for a metal), got \(e)")
        }
        if let model = mixingModel {
            if model != .none, !(kerkerWavevector > 0) {
                throw InputError("scf.mixing.kerker", "must be > 0 for preconditioner \(model.rawValue), got \(kerkerWavevector)")
            }
            if model == .dielectric, mixingDielectricConstant == nil {
                throw InputError("scf.mixing.dielectric_constant", "is needed by preconditioner dielectric (a number ≥ 1)")
            }
            if model == .kerker, let e = mixingDielectricConstant {
                throw InputError("scf.mixing.dielectric_constant", "\(e) is not used by preconditioner kerker (it is by dielectric and hybrid)")
            }
        }
        guard mixingLocalizationDensity > 0, mixingLocalizationDensity.isFinite else {
            throw InputError("scf.mixing.localization_density", "must be a positive density in electrons/bohr³, got \(mixingLocalizationDensity)")
        }
        return self
    }
}
