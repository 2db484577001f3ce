import Foundation
import Input
import PlaneWave

/// What a point costs before it runs: its size (irreducible k-points, plane waves, bands, density grid),
/// a relative cost, and from these a central estimate of its wall time and of the peak memory of one
/// rank. One model for the scan's scheduling, the cost checks before work starts (`PointCostCheck`),
/// `scf --verbose` and the Slurm estimate (which adds its own safety margins).
///
/// - cost: n_k × n_bands × N_pw log₂ N_pw (the FFT-dominated H application of LOBPCG), with
///   N_pw = Ω (2 E_cut)^{3/2} / 6π² the plane waves per k-point.
/// - time on a group of g ranks: t = t₀ + c · cost / (g · η), t₀ the start-up and set-up of a point,
///   c the seconds per cost unit of a cold-started point to the default tolerances on one core, η the
///   parallel efficiency (README, Performance: how they were calibrated).
/// - memory per rank: M₀ + b_grid · N_grid + 16 B · N_pw · (2 n_bands + 16) · ⌈n_k / g⌉: the libraries and
///   runtime, the density-grid arrays (potentials, densities, mixing history, the XC grid), and per
///   k-point held by the rank its orbitals with the LOBPCG and projector blocks.
public enum ScanCostModel {
    /// Start-up and set-up of one point (s).
    public static let startupSeconds = 0.5
    /// Seconds per cost unit of a cold-started point on one core.
    public static let secondsPerCost = 1.5e-6
    /// Parallel efficiency of a point's group.
    public static let efficiency = 0.6
    /// Memory of a rank before any point-sized array (MiB).
    public static let baseMiB = 50.0
    /// Bytes per density-grid point.
    public static let bytesPerGridPoint = 640.0

    /// The sizes that set a point's cost.
    public struct Size: Sendable {
        public var irreducibleK: Int
        public var planeWaves: Double
        public var bands: Int
        public var gridPoints: Double
    }

    public static func size(config: Config, ecut: Double, kmesh: [Int], a: Double?) -> Size {
        var lattice = config.crystal.lattice
        if let a, let a0 = config.structure.latticeConstant { lattice = lattice.scaled(by: a / a0) }
        let npw = max(1, lattice.volume * pow(2 * ecut, 1.5) / (6 * Double.pi * Double.pi))
        let nk = MonkhorstPack.kpoints(crystal: config.crystal, mesh: kmesh, shift: config.discretization.kshift,
                                       useSymmetry: config.discretization.useSymmetry).count
        let bands = config.discretization.bands
            ?? BandCountPolicy.automatic(occupied: (config.electronCount + 1) / 2, smearing: config.smearing)
        let grid = config.discretization.fftGrid ?? PlaneWaveBasis.minimalGrid(lattice: lattice, ecut: ecut, symmetries: [])
        return Size(irreducibleK: nk, planeWaves: npw, bands: bands, gridPoints: Double(grid.reduce(1, *)))
    }

    /// Relative cost of a point and its irreducible k count.
    public static func cost(config: Config, ecut: Double, kmesh: [Int], a: Double?) -> (Double, Int) {
        let s = size(config: config, ecut: ecut, kmesh: kmesh, a: a)
        return (cost(of: s), s.irreducibleK)
    }

    public static func cost(of s: Size) -> Double {
        Double(s.irreducibleK) * Double(s.bands) * s.planeWaves * log2(s.planeWaves + 1)
    }

    /// Central estimate of the wall time of a point of cost `cost` on a group of `groupSize` ranks (s).
    public static func seconds(cost: Double, groupSize: Int) -> Double {
        startupSeconds + cost * secondsPerCost / (groupSize <= 1 ? 1 : Double(groupSize) * efficiency)
    }

    /// Central estimate of the peak memory of one rank of a group of `groupSize` ranks (MiB).
    public static func memoryPerRankMiB(_ s: Size, groupSize: Int) -> Double {
        let kPerRank = Double((s.irreducibleK + max(1, groupSize) - 1) / max(1, groupSize))
        let perK = 16 * s.planeWaves * Double(2 * s.bands + 16)
        return baseMiB + (bytesPerGridPoint * s.gridPoints + perK * kPerRank) / 1_048_576
    }

    /// Sizes of the groups a stage's world is split into: one group per point while ranks are
    /// scarce, otherwise equal shares, so that every rank works while points remain.
    public static func groupSizes(ranks: Int, points: [ScanPoint], ranksPerPoint: Int?) -> [Int] {
        let groups: Int
        if let r = ranksPerPoint {
            groups = max(1, ranks / min(r, ranks))
        } else {
            groups = max(1, min(ranks, points.count))
        }
        return (0..<groups).map { g in (g + 1) * ranks / groups - g * ranks / groups }
    }
}
