/// One SCF iteration.
public struct SCFStep: Sendable, Codable {
    public let iteration: Int
    public let freeEnergy: Double
    public let energyChange: Double
    public let densityResidual: Double
    public let eigensolverIterations: Int
    public let seconds: Double
    /// Of `seconds`: this process's work on its k-points (eigensolver, density), and its time in the sums over
    /// processes (eigenvalues, density; includes waiting for the slowest). The rest is the
    /// density-level work every process repeats (potential, symmetrisation, energy, mixing).
    public var kPointSeconds = 0.0
    public var reductionSeconds = 0.0
}

/// The energy terms, named as ABINIT prints them (Ha).
public struct EnergyTerms: Sendable, Codable, Equatable {
    public var kinetic = 0.0
    public var hartree = 0.0
    public var xc = 0.0
    public var ewald = 0.0
    public var pspCore = 0.0
    public var localPsp = 0.0
    public var nonlocalPsp = 0.0
    /// −T·S
    public var entropy = 0.0

    /// U = Σ of every term but −TS.
    public var internalEnergy: Double { kinetic + hartree + xc + ewald + pspCore + localPsp + nonlocalPsp }
    /// F = U − TS
    public var freeEnergy: Double { internalEnergy + entropy }

    /// The term of that name (a key of `dictionary`, the `EnergyTerm.name`).
    public subscript(name: String) -> Double {
        get { dictionary[name]! }
        set {
            switch name {
            case "kinetic": kinetic = newValue
            case "hartree": hartree = newValue
            case "xc": xc = newValue
            case "ewald": ewald = newValue
            case "psp_core": pspCore = newValue
            case "local_psp": localPsp = newValue
            case "non_local_psp": nonlocalPsp = newValue
            case "minus_TS": entropy = newValue
            default: preconditionFailure("no energy term named \(name)")
            }
        }
    }

    public var dictionary: [String: Double] {
        ["kinetic": kinetic, "hartree": hartree, "xc": xc, "ewald": ewald, "psp_core": pspCore,
         "local_psp": localPsp, "non_local_psp": nonlocalPsp, "minus_TS": entropy]
    }
}

/// Total and absolute magnetisation of a collinear spin-polarised state (μB per cell):
/// M = ∫ m d³r and ∫ |m| d³r, m = ρ↑ − ρ↓ (one μB per unpaired electron, g = 2), on the density
/// grid as ABINIT prints them.
public struct Magnetization: Sendable, Codable, Equatable {
    public let total: Double
    public let absolute: Double
}

/// Everything a self-consistent calculation produces.
///
/// Spin-polarised (`spinChannels` = 2), `eigenvalues` and `occupations` run over k-points × spin
/// (spin up for every irreducible k-point, then spin down: `PlaneWaveBasis.kpoints`' order), while
/// `kpoints` and `planeWaves` are the irreducible k-points once; `density` is (ρ, m).
public struct SCFResult: Sendable {
    public let converged: Bool
    public let iterations: Int
    public let terms: EnergyTerms
    public var freeEnergy: Double { terms.freeEnergy }
    public var internalEnergy: Double { terms.internalEnergy }
    /// Fermi level (Ha), ABINIT's convention (the average local potential excluded); the highest
    /// occupied level for fixed occupations; with a fixed magnetisation the mean of `fermiLevels`.
    public let fermiLevel: Double
    /// Eigenvalues (Ha) per irreducible k-point (× spin channel), ascending.
    public let eigenvalues: [[Double]]
    /// Occupations (0…2, or 0…1 per spin channel) per irreducible k-point (× spin channel).
    public let occupations: [[Double]]
    /// The irreducible k-points.
    public let kpoints: [KPoint]
    public let gap: BandGap?
    public let bandEnergy: Double
    public let history: [SCFStep]
    public let planeWaves: [Int]
    public let fftGrid: [Int]
    /// The grid exchange–correlation was evaluated on (`fftGrid` unless `XCGridRefinement` refined it).
    public var xcGrid: [Int]
    public let bands: Int
    /// Converged density on the FFT grid (electrons/bohr³), for warm starts; spin-polarised ρ then m.
    public let density: [Double]
    public let electrons: Int
    /// The loop was ended by `SCF.shouldStop` before converging.
    public let stopped: Bool
    /// Set when the loop ended early, not converged, because it stalled (`SCFConvergence.stall`):
    /// which tolerance is out of reach and what was reached.
    public var stall: SCFStall? = nil
    /// 1, or 2 for a collinear spin-polarised calculation.
    public var spinChannels = 1
    /// Total and absolute magnetisation of the final density; nil without spin polarisation.
    public var magnetization: Magnetization? = nil
    /// The Fermi level of each spin channel (Ha; up, down), equal unless `Model.fixedMagnetization`
    /// fixes the moment; one entry without spin polarisation (`fermiLevel`).
    public var fermiLevels: [Double] = []
    /// Each atom's moment and charge integrated in its sphere (`MomentSpheres`, radii
    /// `Model.momentSphereRadii`); nil without spin polarisation.
    public var atomicMoments: MomentSpheres? = nil
    /// Bands per block of this process' last LOBPCG solve when the bands went in blocks (the
    /// workspace budget `SCFParameters.eigensolverMemory`), nil when they went in one block.
    public var bandBlock: Int? = nil
    /// The density grid's planes (first axis) on each process when the mixing held it in slabs
    /// (`SlabDensityStep`), by rank; nil when it was whole.
    public var densitySlabPlanes: [Int]? = nil
    /// Of the SCF steps with the grid in slabs, those whose density terms (energies at ρ_out and the next
    /// potential) were evaluated on the slabs too (`KohnShamTerms.evaluatesOnSlabs`); nil when whole.
    public var densityTermSlabSteps: Int? = nil

    /// The eigenvalues (Ha) of spin channel `spin` (0 up, 1 down) at each irreducible k-point.
    public func eigenvalues(spin: Int) -> [[Double]] {
        Array(eigenvalues[(spin * kpoints.count)..<((spin + 1) * kpoints.count)])
    }

    /// The occupations of spin channel `spin` at each irreducible k-point.
    public func occupations(spin: Int) -> [[Double]] {
        Array(occupations[(spin * kpoints.count)..<((spin + 1) * kpoints.count)])
    }
    /// Force on each atom (Ha/bohr, Cartesian, in the crystal's order), −dF/dτ_a at the converged
    /// state (`KohnShamTerms.forces`); nil when the SCF did not converge.
    public var forces: [SIMD3<Double>]? = nil
    /// Stress σ_αβ = (1/Ω) ∂F/∂ε_αβ (Ha/bohr³, Cartesian, rows α; positive under tension, ABINIT's
    /// `strten`) at the converged state (`KohnShamTerms.stress`); nil when the SCF did not converge.
    public var stress: [SIMD3<Double>]? = nil
    /// Wall time (s) of this process computing the forces and the stress after the SCF (0 when not computed).
    public var forcesSeconds = 0.0
    public var stressSeconds = 0.0
    /// P = −tr σ/3 (Ha/bohr³); nil without the stress.
    public var pressure: Double? { stress.map { -($0[0].x + $0[1].y + $0[2].z) / 3 } }
}
