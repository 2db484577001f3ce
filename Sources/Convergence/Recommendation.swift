import Foundation
import Input
import PlaneWave

/// The system a run describes, as stored in `analysis.json` (so that `report` can regenerate the
/// exports without the config).
public struct SystemDescription: Codable, Sendable, Equatable {
    public struct AtomEntry: Codable, Sendable, Equatable {
        public let species: String
        public let position: [Double]
    }
    public let name: String
    public let formula: String
    public let atoms: [AtomEntry]
    /// Lattice vectors (bohr) at the config's lattice constant.
    public let lattice_vectors_bohr: [[Double]]
    /// The config's conventional lattice constant (Å), nil for cells given without one.
    public let lattice_constant_angstrom: Double?
    public let functional: String
    public let pseudopotential_family: String
    /// Element → pseudopotential name, e.g. "GTH-PBE-q3", or a file's name and checksum, "Si.psp8 sha256:…".
    public let pseudopotentials: [String: String]
    public let valence: [String: Int]
    /// "none", "fermi-dirac", "gaussian", "marzari-vanderbilt", "methfessel-paxton".
    public let smearing: String
    public let smearing_width_Ha: Double
    public let electrons: Int
    public let config_file: String?
    /// Element → path of its pseudopotential file (`pseudopotentials.files`); nil when every element is GTH.
    public let pseudopotential_files: [String: String]?
    /// Element → SHA-256 (lower-case hex) of its pseudopotential file; nil when every element is GTH
    /// (and in analysis.json files written before it was recorded).
    public let pseudopotential_sha256: [String: String]?
    /// For a structure read from a CIF: the file's cell and the primitive cell computed (nil otherwise,
    /// and in files written before it was recorded).
    public let structure_cif: CIFCellsRecord?
    /// The starting magnetic moment of each atom (μB, the atoms' order) of a spin-polarised run; nil
    /// without spin polarisation (and in files written before it was recorded).
    public var magnetic_moments_muB: [Double]? = nil

    public init(config: Config) {
        magnetic_moments_muB = config.magneticMoments
        name = config.name
        var f = ""
        for s in config.crystal.species {
            let n = config.crystal.atoms.filter { $0.species == s }.count
            f += n == 1 ? s : "\(s)\(n)"
        }
        formula = f
        atoms = config.crystal.atoms.map { AtomEntry(species: $0.species, position: [$0.position.x, $0.position.y, $0.position.z]) }
        lattice_vectors_bohr = config.crystal.lattice.vectors.map { [$0.x, $0.y, $0.z] }
        lattice_constant_angstrom = config.structure.latticeConstant.map { $0 / Units.angstrom }
        functional = config.functional.name
        pseudopotential_family = config.pseudopotentialFamily
        var pps: [String: String] = [:], val: [String: Int] = [:]
        for (s, pp) in config.model.pseudopotentials { pps[s] = config.pseudopotentialLabel(s); val[s] = pp.zion }
        pseudopotentials = pps
        valence = val
        smearing = config.smearing.name
        smearing_width_Ha = config.smearing.width
        electrons = config.electronCount
        config_file = config.file
        pseudopotential_files = config.pseudopotentialFiles.isEmpty ? nil : config.pseudopotentialFiles.mapValues(\.path)
        pseudopotential_sha256 = config.pseudopotentialFiles.isEmpty ? nil : config.pseudopotentialFiles.mapValues(\.sha256)
        structure_cif = config.structure.cifRecord
    }

    /// Volume of the config's cell (bohr³).
    public var volume_bohr3: Double {
        let v = lattice_vectors_bohr.map { SIMD3($0[0], $0[1], $0[2]) }
        return abs(dot(v[0], cross(v[1], v[2])))
    }
}

/// The recommended parameters of a run (`recommended.json`), with where each comes from.
public struct RecommendedParameters: Codable, Sendable, Equatable {
    public struct Smearing: Codable, Sendable, Equatable {
        public let type: String
        public let width_Ha: Double
        public let width_Ry: Double
        public let width_eV: Double
    }
    public let name: String
    public let formula: String
    public let functional: String
    public let pseudopotentials: [String: String]
    public let ecut_Ha: Double
    public let ecut_Ry: Double
    /// Density cutoff for norm-conserving pseudopotentials, 4 × ecutwfc (Ry).
    public let ecutrho_Ry: Double
    public let kmesh: [Int]
    /// When the k-mesh stage scanned k-point spacings: the largest scanned spacing that gives `kmesh`
    /// for the scanned cell, N_i = max(1, ⌈|b_i|/Δk⌉) with |b_i| including 2π (VASP KSPACING, AiiDA
    /// kpoints_distance); in Å⁻¹ and bohr⁻¹. nil when meshes were scanned.
    public let kspacing_per_angstrom: Double?
    public let kspacing_per_bohr: Double?
    /// 0 = Γ-centred, 1 = half a step, per direction.
    public let kshift: [Int]
    public let smearing: Smearing
    public let lattice_constant_angstrom: Double?
    public let lattice_constant_bohr: Double?
    public let lattice_vectors_angstrom: [[Double]]
    public let atoms: [SystemDescription.AtomEntry]
    /// The recommended cell as a crystallographer states it: crystal system, space group, a, b, c,
    /// α, β, γ, c/a (`CrystalDescription`). nil in files written before it was recorded.
    public let crystal: CrystalDescription?
    /// What the lattice stage held fixed (`CrystalDescription.latticeStageHeldFixed`). nil in files
    /// written before it was recorded.
    public let lattice_stage_held_fixed: String?
    public let bulk_modulus_GPa: Double?
    public let bulk_modulus_derivative: Double?
    /// V0 of the equation-of-state fit per atom and per cell (Å³); nil without a fit (and in files
    /// written before it was recorded). The cell at V0 is `lattice_vectors_angstrom` when the
    /// minimum lies inside the scanned window.
    public let equilibrium_volume_angstrom3_per_atom: Double?
    public let equilibrium_volume_angstrom3: Double?
    /// The gap of an insulator (eV); nil for a metal (`metallic`).
    public let gap_eV: Double?
    public let gap_type: String?
    /// Bands cross the Fermi level at the recommended parameters (`BandCharacter`): no gap. nil in
    /// files written before it was recorded.
    public let metallic: Bool?
    /// Parameter → the decision it comes from ("ecut 30 Ha: |ΔE| = …", "not scanned: the config's value").
    public let sources: [String: String]
    /// The criteria of each decision, by stage.
    public let tolerances: StageTolerances
    public var warnings: [String]
    public let generated_at: String
    public let program: String
    /// Element → path of its pseudopotential file; nil when every element uses a shipped GTH table.
    public let pseudopotential_files: [String: String]?
    /// The forces at the final point and whether the structure is relaxed; nil without a converged
    /// final point (and in files written before forces were recorded).
    public var final_point_forces: FinalPointForces? = nil
    /// The starting magnetic moment of each atom (μB, the atoms' order) of a spin-polarised run, for
    /// the snippets' `spinat` and `starting_magnetization`; nil without spin polarisation.
    public var starting_magnetic_moments_muB: [Double]? = nil
    /// Element → valence charge Z_val of its pseudopotential (QE's `starting_magnetization` is m/Z_val);
    /// nil without spin polarisation.
    public var valence_electrons: [String: Int]? = nil

    public init(system: SystemDescription, ecut: Double, kmesh: [Int], kshift: [Int], latticeConstant: Double?,
                latticeVectorsBohr: [[Double]], eos: EquationOfState.Fit?, gap: BandsAndDOS.Gap?, sources: [String: String],
                tolerances: StageTolerances, warnings: [String], generatedAt: String, program: String, kspacing: Double? = nil,
                metallic: Bool = false, latticeScanned: Bool? = nil) {
        kspacing_per_bohr = kspacing
        kspacing_per_angstrom = kspacing.map { KSpacing.perAngstrom($0) }
        name = system.name; formula = system.formula; functional = system.functional; pseudopotentials = system.pseudopotentials
        ecut_Ha = ecut; ecut_Ry = ecut * 2; ecutrho_Ry = ecut * 8
        self.kmesh = kmesh; self.kshift = kshift
        smearing = Smearing(type: system.smearing, width_Ha: system.smearing_width_Ha, width_Ry: 2 * system.smearing_width_Ha,
                            width_eV: system.smearing_width_Ha * Units.hartreeInEV)
        lattice_constant_angstrom = latticeConstant
        lattice_constant_bohr = latticeConstant.map { $0 * Units.angstrom }
        lattice_vectors_angstrom = latticeVectorsBohr.map { $0.map { $0 / Units.angstrom } }
        atoms = system.atoms
        crystal = CrystalDescription(latticeVectorsBohr: latticeVectorsBohr, atoms: system.atoms)
        lattice_stage_held_fixed = CrystalDescription.latticeStageHeldFixed(scanned: latticeScanned ?? (eos != nil),
                                                                           crystalSystem: crystal?.crystal_system)
        bulk_modulus_GPa = eos?.B0_GPa; bulk_modulus_derivative = eos?.B0_prime
        equilibrium_volume_angstrom3 = eos.map { $0.V0_bohr3 / pow(Units.angstrom, 3) }
        equilibrium_volume_angstrom3_per_atom = equilibrium_volume_angstrom3.map { $0 / Double(max(1, system.atoms.count)) }
        self.metallic = metallic
        gap_eV = metallic ? nil : gap?.gap_eV; gap_type = metallic ? nil : gap?.text
        self.sources = sources; self.tolerances = tolerances; self.warnings = warnings
        generated_at = generatedAt; self.program = program
        pseudopotential_files = system.pseudopotential_files
        starting_magnetic_moments_muB = system.magnetic_moments_muB
        valence_electrons = system.magnetic_moments_muB == nil ? nil : system.valence
    }
}
