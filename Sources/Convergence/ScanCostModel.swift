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
/// - memory per rank: M₀ + b_grid · N_grid + γ · 16 B · N_pw · [(2 n_bands + 16) · n_held + 6 n_bands] / p:
///   the libraries and runtime, the density-grid arrays (potentials, densities, mixing history, the XC
///   grid), and the plane-wave blocks: per k-point held its orbitals with what the GaAs calibration puts
///   beyond them (2 n_bands + 16 columns), and for the one k-point being diagonalised LOBPCG's working
///   set at its peak, about 8 blocks of n_bands columns (X, HX, the search space Q = [W, P] and HQ of up
///   to 2 n_bands each), 6 more than the held k-point counts. A group of g ranks forms min(g, n_k) k-point
///   pools: n_held = ⌈n_k / min(g, n_k)⌉ k-points a pool, shared by p = ⌊g / min(g, n_k)⌋ ranks, which
///   split every block by plane-wave rows (row-distributed LOBPCG; p = 1 while g ≤ n_k). γ = ½ for a
///   Γ-only point (`Size.realCoefficients`: one irreducible k-point from an unshifted 1×1×1 mesh, whose
///   coefficients are stored real, c_{−G} = c_G*), else 1; the other meshes with Γ among their
///   k-points are counted complex, a small overestimate of the one k-point at Γ.
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
        /// The point is Γ only (unshifted 1×1×1 mesh): its blocks hold real coefficients, half the bytes.
        public var realCoefficients = false
        /// The bytes LOBPCG's workspace may take per k-point and rank (`SCFParameters.eigensolverMemory`).
        public var eigensolverMemory = Double(SCFParameters.defaultEigensolverMemory)
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
        let gammaOnly = kmesh.allSatisfy { $0 == 1 } && config.discretization.kshift.allSatisfy { $0 == 0 }
            && config.scf.realWavefunctionsAtGamma
        return Size(irreducibleK: nk, planeWaves: npw, bands: bands, gridPoints: Double(grid.reduce(1, *)), realCoefficients: gammaOnly,
                    eigensolverMemory: Double(config.scf.eigensolverMemory))
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
        let g = max(1, groupSize), nk = max(1, s.irreducibleK)
        let pools = min(g, nk)
        let held = (nk + pools - 1) / pools, sharing = g / pools
        let bytesPerColumn = (s.realCoefficients ? 8.0 : 16.0) * s.planeWaves
        let orbitals = Double((2 * s.bands + 16) * held) / Double(sharing) * bytesPerColumn
        // the eigensolver's workspace, in band blocks beyond its budget (`LOBPCG.bandBlock`)
        let workspace = min(Double(lobpcgExtraBlocks * s.bands) / Double(sharing) * bytesPerColumn, s.eigensolverMemory)
        return baseMiB + (bytesPerGridPoint * s.gridPoints + orbitals + workspace) / 1_048_576
    }

    /// LOBPCG's blocks of n_bands columns at its peak beyond the 2 a held k-point counts.
    public static let lobpcgExtraBlocks = 6

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
