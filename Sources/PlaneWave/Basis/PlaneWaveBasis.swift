import Bindings
import Foundation

/// Plane waves e^{i(k+G)·r}/√Ω at one k-point: all G with |k+G|²/2 ≤ ecut.
public struct KBasis: Sendable {
    public let kpoint: KPoint
    /// Miller indices of the G vectors.
    public let millers: [SIMD3<Int32>]
    /// The reciprocal lattice vectors b₁, b₂, b₃ (bohr⁻¹) the Cartesian k+G are made with.
    public let reciprocal: [SIMD3<Double>]
    /// Cartesian k+G (bohr⁻¹), computed from the Miller indices at each call (not stored: it would
    /// be the largest array of the basis); callers take it once per k-point.
    public var kPlusG: [SIMD3<Double>] {
        let b = reciprocal, k = kpoint.reduced
        return millers.map { m in
            let r = k + SIMD3(Double(m.x), Double(m.y), Double(m.z))
            return r.x * b[0] + r.y * b[1] + r.z * b[2]
        }
    }
    /// |k+G|²/2 (Ha).
    public let kinetic: [Double]
    /// Position of each G in the FFT box.
    public let fftIndex: [Int32]
    /// The spin channel of the orbitals at this k-point: 0 (up, or no spin polarisation) or 1 (down).
    public var spin = 0
    public var count: Int { millers.count }
}

/// The discretisation of a model: FFT grid, k-points, plane-wave spheres, symmetry operations.
///
/// With collinear spin polarisation (`Model.spinChannels` = 2) the orbitals' k-points are the
/// irreducible k-points twice, spin up then spin down (DFTK's `basis.kpoints` with `n_spin_components`
/// 2), each with its irreducible weight: every k-point-indexed quantity (orbitals, eigenvalues,
/// occupations, the k-point distribution over processes) runs over k-points × spin.
public final class PlaneWaveBasis: @unchecked Sendable {
    public let model: Model
    public let ecut: Double
    public let fftSize: [Int]
    /// The orbitals' k-points: `irreducibleKPointCount` of spin channel 0, then as many of channel 1 if
    /// spin-polarised.
    public let kpoints: [KBasis]
    /// 1, or 2 with collinear spin polarisation (`kpoints` holds each irreducible k-point once per channel).
    public let spinChannels: Int
    /// The number of irreducible k-points (of one spin channel).
    public var irreducibleKPointCount: Int { kpoints.count / spinChannels }
    public let symmetries: [SymmetryOperation]
    public let spaceGroup: SpaceGroup?
    public let fullMeshSize: Int
    public var volume: Double { model.crystal.lattice.volume }

    /// `sphereLattice`: the lattice whose metric selects the plane waves |k+G|²/2 ≤ ecut (nil: the
    /// crystal's). A strained cell given the unstrained lattice keeps the unstrained plane-wave set
    /// in Miller indices, the basis the analytic stress is the derivative at (`StressTerm`).
    public init(model: Model, discretization d: Discretization, sphereLattice: Lattice? = nil) throws {
        self.model = model
        ecut = d.ecut
        let lattice = model.crystal.lattice
        let types = model.symmetryTypes
        let (ops, sg) = MonkhorstPack.symmetries(of: model.crystal, useSymmetry: d.useSymmetry, types: types)
        symmetries = ops
        spaceGroup = sg
        let grid = d.fftGrid ?? PlaneWaveBasis.minimalGrid(lattice: lattice, ecut: d.ecut, symmetries: ops)
        if let given = d.fftGrid {
            let minimal = PlaneWaveBasis.minimalGrid(lattice: lattice, ecut: d.ecut, symmetries: [.identity])
            for i in 0..<3 where given[i] < minimal[i] {
                throw InputError("fft_grid", "\(given) is too coarse for ecut \(d.ecut) Ha: needs at least \(minimal)")
            }
            if !PlaneWaveBasis.isCompatible(grid: given, with: ops) {
                throw InputError("fft_grid", "\(given) is not compatible with the crystal symmetry (equal sizes needed along symmetry-related axes)")
            }
        }
        fftSize = grid
        fullMeshSize = d.kmesh.reduce(1, *)
        let kps = MonkhorstPack.kpoints(crystal: model.crystal, mesh: d.kmesh, shift: d.kshift, useSymmetry: d.useSymmetry, types: types)
        let spheres = kps.map { PlaneWaveBasis.sphere(k: $0, lattice: lattice, ecut: d.ecut, grid: grid, selection: sphereLattice) }
        spinChannels = model.spinChannels
        kpoints = spinChannels == 1 ? spheres : spheres + spheres.map { var down = $0; down.spin = 1; return down }
    }

    /// A basis at explicitly given k-points (reduced coordinates, any weights) on a given FFT grid,
    /// for non-self-consistent calculations (band structures, DOS) on the grid of a converged
    /// density. The grid must hold the density sphere of `ecut`; the crystal's symmetry
    /// operations are kept for reference only (no k-point reduction). Spin-polarised, the k-points
    /// are taken once per channel (up, then down), as in the SCF's basis.
    public init(model: Model, ecut: Double, kpoints kps: [KPoint], fftSize grid: [Int]) throws {
        guard ecut.isFinite, ecut > 0 else { throw InputError("ecut", "must be positive, got \(ecut) Ha") }
        guard !kps.isEmpty else { throw InputError("kpoints", "no k-points given") }
        guard grid.count == 3, grid.allSatisfy({ $0 >= 1 }) else {
            throw InputError("fft_grid", "must be three positive integers, got \(grid)")
        }
        let lattice = model.crystal.lattice
        let minimal = PlaneWaveBasis.minimalGrid(lattice: lattice, ecut: ecut, symmetries: [.identity])
        for i in 0..<3 where grid[i] < minimal[i] {
            throw InputError("fft_grid", "\(grid) is too coarse for ecut \(ecut) Ha: needs at least \(minimal)")
        }
        self.model = model
        self.ecut = ecut
        spinChannels = model.spinChannels
        let (ops, sg) = MonkhorstPack.symmetries(of: model.crystal, useSymmetry: true)
        symmetries = ops
        spaceGroup = sg
        fftSize = grid
        fullMeshSize = kps.count
        let spheres = kps.map { PlaneWaveBasis.sphere(k: $0, lattice: lattice, ecut: ecut, grid: grid) }
        kpoints = spinChannels == 1 ? spheres : spheres + spheres.map { var down = $0; down.spin = 1; return down }
    }

    /// |G|² (bohr⁻²) of G = Σ mᵢ bᵢ.
    @inline(__always) static func squaredNorm(_ m: SIMD3<Int32>, lattice: Lattice) -> Double {
        let g = lattice.reciprocalCartesian(SIMD3(Double(m.x), Double(m.y), Double(m.z)))
        return dot(g, g)
    }

    /// Smallest grid holding the density sphere (radius 2√(2 ecut)) in the FFT box, i.e.
    /// nᵢ ≥ 4 √(2 ecut) |aᵢ| / 2π, with sizes whose prime factors are 2, 3, 5 (ABINIT's and QE's
    /// choice), made equal along axes that a symmetry operation mixes.
    public static func minimalGrid(lattice: Lattice, ecut: Double, symmetries: [SymmetryOperation]) -> [Int] {
        let gmax = (2 * ecut).squareRoot()
        var n = (0..<3).map { i -> Int in
            let need = 4 * gmax * norm(lattice.vectors[i]) / (2 * Double.pi)
            var m = Int((need - 1e-9).rounded(.up))
            while !isGood(m) { m += 1 }
            return m
        }
        var changed = true
        while changed {
            changed = false
            for op in symmetries { for i in 0..<3 { for j in 0..<3 where op.rotation[i][j] != 0 && n[i] != n[j] {
                let m = max(n[i], n[j]); n[i] = m; n[j] = m; changed = true
            } } }
        }
        return n
    }

    static func isGood(_ n: Int) -> Bool {
        var m = n
        for p in [2, 3, 5] { while m % p == 0 { m /= p } }
        return m == 1
    }

    static func isCompatible(grid: [Int], with ops: [SymmetryOperation]) -> Bool {
        ops.allSatisfy { op in (0..<3).allSatisfy { i in (0..<3).allSatisfy { j in op.rotation[i][j] == 0 || grid[i] == grid[j] } } }
    }

    /// The plane waves of k with |k+G|²/2 ≤ ecut in the metric of `selection` (nil: `lattice`).
    static func sphere(k: KPoint, lattice: Lattice, ecut: Double, grid: [Int], selection: Lattice? = nil) -> KBasis {
        let gmax = (2 * ecut).squareRoot()
        let metric = selection ?? lattice
        let bound = (0..<3).map { i in Int((gmax * norm(metric.vectors[i]) / (2 * Double.pi)).rounded(.up)) + 1 }
        var millers: [SIMD3<Int32>] = [], kin: [Double] = [], idx: [Int32] = []
        for i in -bound[0]...bound[0] { for j in -bound[1]...bound[1] { for l in -bound[2]...bound[2] {
            let m = k.reduced + SIMD3(Double(i), Double(j), Double(l))
            let q = lattice.reciprocalCartesian(m)
            let e = dot(q, q) / 2
            let qs = selection.map { $0.reciprocalCartesian(m) } ?? q
            if dot(qs, qs) / 2 <= ecut {
                millers.append(SIMD3(Int32(i), Int32(j), Int32(l)))
                kin.append(e)
                let a = (i % grid[0] + grid[0]) % grid[0], b = (j % grid[1] + grid[1]) % grid[1], c = (l % grid[2] + grid[2]) % grid[2]
                idx.append(Int32((a * grid[1] + b) * grid[2] + c))
            }
        } } }
        return KBasis(kpoint: k, millers: millers, reciprocal: lattice.reciprocal, kinetic: kin, fftIndex: idx)
    }

    /// Index of centred Miller indices m in the FFT box (wrapped).
    @inlinable public func gridIndex(_ m: SIMD3<Int32>) -> Int {
        let n0 = fftSize[0], n1 = fftSize[1], n2 = fftSize[2]
        let a = (Int(m.x) % n0 + n0) % n0, b = (Int(m.y) % n1 + n1) % n1, c = (Int(m.z) % n2 + n2) % n2
        return (a * n1 + b) * n2 + c
    }

    /// A new FFT of this basis' grid.
    /// The density grid's 3-D FFT, planned with FFTW_ESTIMATE: FFTW_MEASURE's planning costs a large
    /// share of a point's set-up for no measurable gain in the dozen grid transforms of an SCF step,
    /// and an estimated plan is the same on every rank.
    public func makeFFT() -> FFT3D { FFT3D(fftSize[0], fftSize[1], fftSize[2], measure: false) }
}

/// Centred frequency of index i on an n-point axis: 0, 1, …, ⌈n/2⌉−1, −⌊n/2⌋, …, −1.
@inlinable func centred(_ i: Int, _ n: Int) -> Int { i < (n + 1) / 2 ? i : i - n }
