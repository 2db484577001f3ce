import Foundation
import Input
import ParallelSCF
import PlaneWave

/// The JSON document `preconv-mpi scf --json` prints (units in the keys).
public struct PointReport: Codable, Sendable {
    public struct Gap: Codable, Sendable {
        public let gap_Ha: Double
        public let gap_eV: Double
        public let vbm_Ha: Double
        public let cbm_Ha: Double
        public let vbm_k: [Double]
        public let cbm_k: [Double]
        public let direct: Bool
    }
    public struct KPointEntry: Codable, Sendable {
        public let reduced: [Double]
        public let weight: Double
        public let plane_waves: Int
        /// Spin-polarised: spin up's (the down channel's are `eigenvalues_down_Ha`).
        public let eigenvalues_Ha: [Double]
        public let occupations: [Double]
        /// Spin-polarised only: the spin-down channel's eigenvalues (Ha) and occupations (0…1).
        public var eigenvalues_down_Ha: [Double]? = nil
        public var occupations_down: [Double]? = nil
    }
    public struct Step: Codable, Sendable {
        public let iteration: Int
        public let free_energy_Ha: Double
        public let energy_change_Ha: Double
        public let density_residual: Double
        public let eigensolver_iterations: Int
        public let seconds: Double
    }
    public let name: String
    public let converged: Bool
    public let scf_iterations: Int
    /// Why the SCF ended early without converging when it stalled (`SCFStall.message`: the tolerance out
    /// of reach, its value and the value reached); null otherwise.
    @EncodedAsNull public var scf_stalled: String?
    public let free_energy_Ha: Double
    public let internal_energy_Ha: Double
    public let minus_TS_Ha: Double
    public let free_energy_per_atom_eV: Double
    public let fermi_level_Ha: Double
    /// CBM − VBM (Ha) of an insulator; null for a metal (and when there is no empty band).
    @EncodedAsNull public var gap_Ha: Double?
    @EncodedAsNull public var gap: Gap?
    /// Bands cross the Fermi level (`BandCharacter`): no gap is reported.
    public let metallic: Bool
    /// Why it is metallic (the criterion, with numbers in eV); null otherwise.
    @EncodedAsNull public var metallic_reason: String?
    public let band_energy_Ha: Double
    public let terms_Ha: [String: Double]
    public let ecut_Ha: Double
    public let kmesh: [Int]
    /// The k-point spacing (1/Å) `kmesh` was made from (`basis.kmesh: {spacing: …}`, `KSpacing`); null for a mesh given directly.
    @EncodedAsNull public var kmesh_spacing_per_angstrom: Double?
    public let lattice_vectors_bohr: [[Double]]
    public let n_irreducible_k: Int
    public let fft_grid: [Int]
    public let bands: Int
    public let electrons: Int
    /// 1, or 2 for a collinear spin-polarised calculation (then each k-point entry also carries
    /// the spin-down channel's eigenvalues and occupations).
    public let spin_channels: Int
    /// M = ∫ (ρ↑ − ρ↓) d³r and ∫ |ρ↑ − ρ↓| d³r (μB per cell); null when spin-unpolarised.
    @EncodedAsNull public var total_magnetization_muB: Double?
    @EncodedAsNull public var absolute_magnetization_muB: Double?
    public let kpoints: [KPointEntry]
    public let history: [Step]
    public let layout: KPointLayout
    public let scalapack_solves: Int
    /// k-point solves an idle rank took over from a busy one, over all SCF steps.
    public let kpoints_taken_over: Int
    /// LOBPCG solves whose blocks were split by plane-wave rows over a k-point pool of several ranks
    /// (each pool's solves counted once), over all SCF steps; 0 when every pool is one rank.
    public let row_distributed_solves: Int
    /// Bands per LOBPCG block when rank 0 solved its bands in blocks to stay within
    /// `scf.eigensolver_memory`; null when all bands went in one block.
    @EncodedAsNull public var lobpcg_band_block: Int?
    /// The density grid's planes (its first axis) on each rank, in rank order, when the mixing held it
    /// in slabs over the ranks (FFTW-MPI, `scf.density_grid`); null when it was whole on one rank.
    @EncodedAsNull public var density_slab_planes: [Int]?
    /// Of the SCF steps with the grid in slabs, those whose density terms (local pseudopotential,
    /// Hartree, exchange–correlation: energies and the next potential) were evaluated on the slabs too;
    /// the others (exchange–correlation on a finer grid) were evaluated whole. Null when whole.
    @EncodedAsNull public var density_term_slab_steps: Int?
    public let wall_time_s: Double
    /// Of `wall_time_s`: rank 0's time for the forces and for the stress after the SCF.
    public let forces_wall_time_s: Double
    public let stress_wall_time_s: Double
    /// Peak resident memory (VmHWM, MiB) of each rank, in rank order, over the whole command; null where
    /// /proc is not available.
    public let peak_rss_MiB: [Double]?
    /// −dF/dτ_a per atom [x, y, z] (Ha/bohr, Cartesian, in the config's atom order), symmetrised;
    /// absent when the SCF did not converge.
    public let forces_Ha_per_bohr: [[Double]]?
    /// σ_αβ = (1/Ω) ∂F/∂ε_αβ, rows α (Ha/bohr³, Cartesian; positive under tension, as ABINIT's
    /// `strten`), symmetrised; absent when the SCF did not converge.
    public let stress_Ha_per_bohr3: [[Double]]?
    /// P = −tr σ/3 (GPa); absent with the stress.
    public let pressure_GPa: Double?
    /// Spin-polarised: the Fermi level of each channel (Ha), equal unless the total magnetisation is
    /// fixed (`spin.total_magnetization`, then `fermi_level_Ha` is their mean); null when spin-unpolarised.
    @EncodedAsNull public var fermi_level_up_Ha: Double?
    @EncodedAsNull public var fermi_level_down_Ha: Double?
    /// The fixed total magnetisation (μB per cell) of `spin.total_magnetization`; null when the moment relaxes.
    @EncodedAsNull public var fixed_total_magnetization_muB: Double?
    /// Spin-polarised: each atom's moment ∫ m over a sphere of radius `sphere_radii_bohr` about it (μB,
    /// config atom order; `MomentSpheres`); null when spin-unpolarised.
    @EncodedAsNull public var atomic_moments_muB: [Double]?
    @EncodedAsNull public var sphere_radii_bohr: [Double]?

    public init(config: Config, outcome o: PointCalculation.Outcome, sharing: PointCalculation.Sharing, peakRSS: [Double]? = nil) {
        let r = o.result
        name = config.name
        converged = r.converged
        scf_iterations = r.iterations
        scf_stalled = r.stall?.message
        free_energy_Ha = r.freeEnergy
        internal_energy_Ha = r.internalEnergy
        minus_TS_Ha = r.terms.entropy
        free_energy_per_atom_eV = r.freeEnergy / Double(config.crystal.atoms.count) * Units.hartreeInEV
        fermi_level_Ha = r.fermiLevel
        let character = r.bandCharacter
        metallic = character.isMetallic
        metallic_reason = character.metallicReason
        gap_Ha = character.gap?.gap
        gap = character.gap.map { g in Gap(gap_Ha: g.gap, gap_eV: g.gap * Units.hartreeInEV, vbm_Ha: g.vbm, cbm_Ha: g.cbm,
                                    vbm_k: [g.vbmK.x, g.vbmK.y, g.vbmK.z], cbm_k: [g.cbmK.x, g.cbmK.y, g.cbmK.z], direct: g.direct) }
        band_energy_Ha = r.bandEnergy
        terms_Ha = r.terms.dictionary
        ecut_Ha = config.discretization.ecut
        kmesh = config.discretization.kmesh
        kmesh_spacing_per_angstrom = config.kmeshSpacing.map { KSpacing.perAngstrom($0.value) }
        lattice_vectors_bohr = config.crystal.lattice.vectors.map { [$0.x, $0.y, $0.z] }
        n_irreducible_k = r.kpoints.count
        fft_grid = r.fftGrid
        bands = r.bands
        electrons = r.electrons
        spin_channels = r.spinChannels
        total_magnetization_muB = r.magnetization?.total
        absolute_magnetization_muB = r.magnetization?.absolute
        kpoints = r.kpoints.indices.map { k in
            var entry = KPointEntry(reduced: [r.kpoints[k].reduced.x, r.kpoints[k].reduced.y, r.kpoints[k].reduced.z],
                                    weight: r.kpoints[k].weight, plane_waves: r.planeWaves[k],
                                    eigenvalues_Ha: r.eigenvalues[k], occupations: r.occupations[k])
            if r.spinChannels == 2 {
                entry.eigenvalues_down_Ha = r.eigenvalues(spin: 1)[k]
                entry.occupations_down = r.occupations(spin: 1)[k]
            }
            return entry
        }
        history = r.history.map { Step(iteration: $0.iteration, free_energy_Ha: $0.freeEnergy, energy_change_Ha: $0.energyChange,
                                       density_residual: $0.densityResidual, eigensolver_iterations: $0.eigensolverIterations,
                                       seconds: $0.seconds) }
        layout = o.layout
        scalapack_solves = sharing.distributedEigenSolves
        kpoints_taken_over = sharing.kpointsTaken
        row_distributed_solves = sharing.rowDistributedSolves
        lobpcg_band_block = r.bandBlock
        density_slab_planes = r.densitySlabPlanes
        density_term_slab_steps = r.densityTermSlabSteps
        wall_time_s = o.seconds
        forces_wall_time_s = r.forcesSeconds
        stress_wall_time_s = r.stressSeconds
        peak_rss_MiB = peakRSS
        forces_Ha_per_bohr = r.forces?.map { [$0.x, $0.y, $0.z] }
        stress_Ha_per_bohr3 = r.stress?.map { [$0.x, $0.y, $0.z] }
        pressure_GPa = r.pressure.map { $0 * Units.hartreePerBohr3InGPa }
        species = config.crystal.atoms.map(\.species)
        if r.spinChannels == 2, r.fermiLevels.count == 2 {
            fermi_level_up_Ha = r.fermiLevels[0]
            fermi_level_down_Ha = r.fermiLevels[1]
        }
        fixed_total_magnetization_muB = config.model.fixedMagnetization
        atomic_moments_muB = r.atomicMoments?.moments
        sphere_radii_bohr = r.atomicMoments?.radii
    }

    /// The atoms' species, for the text (not in the JSON, whose config names them).
    private var species: [String] = []
    private enum CodingKeys: String, CodingKey {
        case name, converged, scf_iterations, scf_stalled, free_energy_Ha, internal_energy_Ha, minus_TS_Ha, free_energy_per_atom_eV,
             fermi_level_Ha, gap_Ha, gap, metallic, metallic_reason, band_energy_Ha, terms_Ha, ecut_Ha, kmesh,
             kmesh_spacing_per_angstrom, lattice_vectors_bohr, n_irreducible_k,
             fft_grid, bands, electrons, spin_channels, total_magnetization_muB, absolute_magnetization_muB, kpoints, history, layout,
             scalapack_solves, kpoints_taken_over, row_distributed_solves, lobpcg_band_block, density_slab_planes, density_term_slab_steps, wall_time_s, forces_wall_time_s, stress_wall_time_s, peak_rss_MiB,
             forces_Ha_per_bohr, stress_Ha_per_bohr3, pressure_GPa,
             fermi_level_up_Ha, fermi_level_down_Ha, fixed_total_magnetization_muB, atomic_moments_muB, sphere_radii_bohr
    }

    public func json() throws -> String {
        String(decoding: try JSONCoding.encoder().encode(self), as: UTF8.self)
    }

    /// A human-readable summary.
    public var text: String {
        var lines: [String] = []
        func f(_ x: Double, _ d: Int = 10) -> String { String(format: "%.\(d)f", x) }
        lines.append("\(name): \(converged ? "converged" : "NOT converged") in \(scf_iterations) SCF iterations, \(String(format: "%.2f", wall_time_s)) s")
        lines.append("  ecut \(ecut_Ha) Ha, k-mesh \(kmesh.map(String.init).joined(separator: "x"))\(kmesh_spacing_per_angstrom.map { String(format: " (spacing %.4g 1/Å)", $0) } ?? "") → \(n_irreducible_k) irreducible k, FFT \(fft_grid.map(String.init).joined(separator: "x")), \(bands) bands, \(electrons) electrons")
        lines.append("  free energy F      \(f(free_energy_Ha)) Ha")
        lines.append("  internal energy U  \(f(internal_energy_Ha)) Ha   (−TS \(f(minus_TS_Ha)) Ha)")
        lines.append("  Fermi level        \(f(fermi_level_Ha, 6)) Ha")
        if let m = total_magnetization_muB, let a = absolute_magnetization_muB {
            lines.append("  magnetization      \(f(m, 6)) μB per cell (absolute \(f(a, 6)) μB), collinear spin-polarised" +
                         (fixed_total_magnetization_muB != nil ? ", fixed" : ""))
            if fixed_total_magnetization_muB != nil, let up = fermi_level_up_Ha, let down = fermi_level_down_Ha {
                lines.append("  Fermi levels       \(f(up, 6)) Ha (up), \(f(down, 6)) Ha (down)")
            }
            if let moments = atomic_moments_muB, let radii = sphere_radii_bohr {
                lines.append("  atomic moments     " + moments.indices.map { a in
                    "\(a < species.count ? species[a] : "atom")\(a + 1) \(f(moments[a], 4)) μB (sphere \(f(radii[a], 3)) bohr)"
                }.joined(separator: ", "))
            }
        }
        if let g = gap {
            lines.append("  gap                \(f(g.gap_Ha, 6)) Ha = \(f(g.gap_eV, 4)) eV (\(g.direct ? "direct" : "indirect"))")
        } else if metallic {
            lines.append("  gap                none: metallic (\(metallic_reason ?? "bands cross the Fermi level"))")
        }
        if let forces = forces_Ha_per_bohr {
            lines.append("  forces (Ha/bohr): " + forces.enumerated().map { a, v in
                "\(a < species.count ? species[a] : "atom")\(a + 1) [\(v.map { String(format: "%+.6e", $0) }.joined(separator: ", "))]"
            }.joined(separator: ", "))
        }
        if let sigma = stress_Ha_per_bohr3, let p = pressure_GPa {
            lines.append("  stress (Ha/bohr³): " + sigma.map { "[" + $0.map { String(format: "%+.6e", $0) }.joined(separator: ", ") + "]" }
                .joined(separator: ", ") + String(format: ", pressure %.4f GPa", p))
        }
        lines.append("  terms (Ha): " + terms_Ha.keys.sorted().map { "\($0) \(f(terms_Ha[$0]!, 8))" }.joined(separator: ", "))
        lines.append("  layout: \(layout.summary)" + (kpoints_taken_over > 0 ? "; \(kpoints_taken_over) k-point solves taken over by idle ranks" : ""))
        return lines.joined(separator: "\n")
    }
}

/// An optional that is written as JSON `null` when absent (synthesized `Encodable` leaves the key
/// out), so that `scf --json` always has the key: `"gap_Ha": null` for a metal.
@propertyWrapper public struct EncodedAsNull<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}
