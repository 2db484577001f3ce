import Foundation
import Input
import PlaneWave

/// The outcome of one scan point, as the journal stores it (one JSON object per line) and as
/// `collect`, `status` and the report read it. Units are in the key names.
public struct PointRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case converged
        /// SCF reached its iteration limit (after the retry with conservative mixing).
        case unconverged
        case timeout
        case failed
        /// Stopped by a signal or the job's time limit before finishing.
        case interrupted
    }

    /// Stable identity of the point within its run: stage name + parameters (e.g. "cutoff/ecut=25Ha,k=4x4x4,a=5.653Å").
    public var id: String
    public var stage: String
    public var ecut_Ha: Double
    public var kmesh: [Int]
    public var kshift: [Int]
    public var lattice_constant_angstrom: Double
    public var smearing: String
    public var smearing_width_Ha: Double
    public var status: Status
    public var free_energy_Ha: Double?
    public var internal_energy_Ha: Double?
    public var free_energy_per_atom_eV: Double?
    public var fermi_level_Ha: Double?
    /// CBM − VBM (Ha) of an insulator; nil for a metal (`metallic`), a failed point or no empty band.
    public var gap_Ha: Double?
    /// Bands cross the Fermi level (`BandCharacter`); nil in records written before it was recorded
    /// (then a `gap_Ha` ≤ 0 also means metallic: `isMetallic`).
    public var metallic: Bool?
    public var volume_bohr3: Double
    public var atoms: Int
    public var n_irreducible_k: Int?
    public var scf_iterations: Int?
    public var wall_time_s: Double
    public var ranks: Int
    public var peak_memory_MiB: Double?
    public var host: String
    public var error: String?
    /// Point this one was warm-started from, if any.
    public var warm_start_from: String?
    public var finished_at: String
    /// Hellmann–Feynman forces (Ha/bohr, Cartesian, per atom in the structure's order) at the converged
    /// state; nil for a point that did not converge and in records written before they were recorded.
    public var forces_Ha_per_bohr: [[Double]]?
    /// Stress tensor σ (Ha/bohr³, rows); nil as the forces.
    public var stress_Ha_per_bohr3: [[Double]]?
    /// P = −tr σ/3 (GPa); nil as the forces.
    public var pressure_GPa: Double?
    /// Total magnetisation M = ∫ (ρ↑ − ρ↓) d³r (μB per cell) of a spin-polarised point; nil without
    /// spin polarisation, for a failed point and in records written before it was recorded.
    public var total_magnetization_muB: Double?
    /// Absolute magnetisation ∫ |ρ↑ − ρ↓| d³r (μB per cell); nil as the total.
    public var absolute_magnetization_muB: Double?
    /// Each atom's moment, ∫ m over the sphere of radius `sphere_radii_bohr` about it (μB, in the
    /// order of the atoms; `MomentSpheres`); nil as the total.
    public var atomic_moments_muB: [Double]?
    /// The radii of those spheres (bohr).
    public var sphere_radii_bohr: [Double]?

    public init(id: String, stage: String, ecut_Ha: Double, kmesh: [Int], kshift: [Int], lattice_constant_angstrom: Double,
                smearing: String, smearing_width_Ha: Double, status: Status, free_energy_Ha: Double? = nil,
                internal_energy_Ha: Double? = nil, free_energy_per_atom_eV: Double? = nil, fermi_level_Ha: Double? = nil,
                gap_Ha: Double? = nil, volume_bohr3: Double, atoms: Int, n_irreducible_k: Int? = nil, scf_iterations: Int? = nil,
                wall_time_s: Double, ranks: Int, peak_memory_MiB: Double? = nil, host: String, error: String? = nil,
                warm_start_from: String? = nil, finished_at: String, metallic: Bool? = nil,
                forces_Ha_per_bohr: [[Double]]? = nil, stress_Ha_per_bohr3: [[Double]]? = nil, pressure_GPa: Double? = nil,
                total_magnetization_muB: Double? = nil, absolute_magnetization_muB: Double? = nil,
                atomic_moments_muB: [Double]? = nil, sphere_radii_bohr: [Double]? = nil) {
        self.metallic = metallic
        self.total_magnetization_muB = total_magnetization_muB; self.absolute_magnetization_muB = absolute_magnetization_muB
        self.atomic_moments_muB = atomic_moments_muB; self.sphere_radii_bohr = sphere_radii_bohr
        self.forces_Ha_per_bohr = forces_Ha_per_bohr; self.stress_Ha_per_bohr3 = stress_Ha_per_bohr3; self.pressure_GPa = pressure_GPa
        self.id = id; self.stage = stage; self.ecut_Ha = ecut_Ha; self.kmesh = kmesh; self.kshift = kshift
        self.lattice_constant_angstrom = lattice_constant_angstrom; self.smearing = smearing; self.smearing_width_Ha = smearing_width_Ha
        self.status = status; self.free_energy_Ha = free_energy_Ha; self.internal_energy_Ha = internal_energy_Ha
        self.free_energy_per_atom_eV = free_energy_per_atom_eV; self.fermi_level_Ha = fermi_level_Ha; self.gap_Ha = gap_Ha
        self.volume_bohr3 = volume_bohr3; self.atoms = atoms; self.n_irreducible_k = n_irreducible_k
        self.scf_iterations = scf_iterations; self.wall_time_s = wall_time_s; self.ranks = ranks
        self.peak_memory_MiB = peak_memory_MiB; self.host = host; self.error = error
        self.warm_start_from = warm_start_from; self.finished_at = finished_at
    }
}

extension PointRecord {
    /// The record of a point finished now on this host: computed at `ecut` (Ha), `kmesh`, `kshift`
    /// on a cell of conventional lattice constant `latticeConstant` and `volume` (bohr, bohr³) with
    /// `atoms` atoms, from the SCF's `result` (nil when it failed: `error` says why). `scfIterations`
    /// counts every attempt's iterations. The one place a record is made from a calculation.
    public init(id: String, stage: String, ecut: Double, kmesh: [Int], kshift: [Int], latticeConstant: Double, volume: Double,
                atoms: Int, smearing: Smearing, status: Status, result r: SCFResult?, scfIterations: Int?, error: String?,
                wallTime: Double, ranks: Int, peakMemoryMiB: Double? = nil, warmStartFrom: String?) {
        self.init(id: id, stage: stage, ecut_Ha: ecut, kmesh: kmesh, kshift: kshift,
                  lattice_constant_angstrom: latticeConstant / Units.angstrom, smearing: smearing.name,
                  smearing_width_Ha: smearing.width, status: status, free_energy_Ha: r?.freeEnergy,
                  internal_energy_Ha: r?.internalEnergy,
                  free_energy_per_atom_eV: r.map { $0.freeEnergy / Double(atoms) * Units.hartreeInEV },
                  fermi_level_Ha: r?.fermiLevel, gap_Ha: r?.bandCharacter.gap?.gap, volume_bohr3: volume, atoms: atoms,
                  n_irreducible_k: r?.kpoints.count, scf_iterations: r == nil ? nil : scfIterations, wall_time_s: wallTime,
                  ranks: ranks, peak_memory_MiB: peakMemoryMiB, host: ProcessInfo.processInfo.hostName, error: error,
                  warm_start_from: warmStartFrom, finished_at: Timestamp.now(), metallic: r?.bandCharacter.isMetallic,
                  forces_Ha_per_bohr: r?.forces?.map { [$0.x, $0.y, $0.z] },
                  stress_Ha_per_bohr3: r?.stress?.map { [$0.x, $0.y, $0.z] },
                  pressure_GPa: r?.pressure.map { $0 * Units.hartreePerBohr3InGPa },
                  total_magnetization_muB: r?.magnetization?.total, absolute_magnetization_muB: r?.magnetization?.absolute,
                  atomic_moments_muB: r?.atomicMoments?.moments, sphere_radii_bohr: r?.atomicMoments?.radii)
    }

    /// Total and absolute magnetisation per atom (μB/atom); nil without them.
    public var magnetizationPerAtom: (total: Double, absolute: Double)? {
        guard let m = total_magnetization_muB, atoms > 0 else { return nil }
        return (m / Double(atoms), (absolute_magnetization_muB ?? abs(m)) / Double(atoms))
    }

    /// The largest force: its atom's index (0-based, the structure's order) and |F| (Ha/bohr); nil
    /// without forces.
    public var largestForce: (atom: Int, magnitude: Double)? {
        guard let forces = forces_Ha_per_bohr, !forces.isEmpty else { return nil }
        var largest: (atom: Int, magnitude: Double) = (0, -1)
        for (i, f) in forces.enumerated() {
            let magnitude: Double = f.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            if magnitude > largest.magnitude { largest = (i, magnitude) }
        }
        return largest
    }

    /// Metallic by its flag, or (records written before the flag) by a gap ≤ 0; false when unknown.
    public var isMetallic: Bool { metallic ?? (gap_Ha.map { $0 <= 0 } ?? false) }

    /// The gap (Ha) to report: nil for a metal, also in records written before the metallic flag.
    public var reportedGap_Ha: Double? { isMetallic ? nil : gap_Ha }
}
