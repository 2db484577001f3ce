import Bindings
import Foundation
import Numerics

/// The lowest eigenpairs of the Kohn–Sham Hamiltonian H_k = ½|k+G|² + V(r) + V_NL at the k-points
/// of a basis, for the SCF and the non-self-consistent bands alike: H_k from the total local
/// potential and the non-local projectors (`Hamiltonian`), solved densely or by LOBPCG (TPA
/// preconditioner; on a k-point pool of several processes each holds a range of the plane-wave rows
/// of LOBPCG's blocks and applies H to its share of the columns (`PoolOperations.mapRows`), the
/// projected problems distributed from `PoolOperations.distributedThreshold` on).
///
/// Contract of `solveAll`: each process solves the k-points it owns (and, with work stealing,
/// others' not yet started ones) and every process returns every k-point's eigenvalues. A k-point
/// that fails on one process is counted in the eigenvalue sum, so every process throws together
/// instead of leaving the others waiting in it.
final class KohnShamEigensolver {
    /// Eigenpairs of one k-point with ⟨ψ_n|V_NL|ψ_n⟩ and the solver's record.
    struct Solution {
        var values: [Double]
        var vectors: ComplexMatrix
        /// ⟨ψ_n|V_NL|ψ_n⟩ of each vector (the projectors are at hand here).
        var nonlocal: [Double]
        var iterations: Int
        var residualNorms: [Double]
        var converged: Bool
    }

    let basis: PlaneWaveBasis
    let distribution: KPointDistribution
    let nonlocal: NonlocalPseudopotential
    let method: EigensolverKind
    /// LOBPCG at Γ on real wave functions (`RealCoefficientsAtGamma`), as ABINIT's `istwfk 2`.
    let realAtGamma: Bool
    /// Bytes LOBPCG's workspace may take per k-point and process; more bands go in band blocks
    /// (`LOBPCG.bandBlock`).
    let workspaceBudget: Int
    /// Sphere-pruned wave-function FFTs shared by all k-points.
    let transform: WavefunctionFFT
    /// Where each prepared k-point's sphere sits in the FFT box.
    private var layouts: [Int: SphereFFTLayout] = [:]
    /// The packing of each k-point at Γ solved so far (nil: not Γ).
    private var packings: [Int: RealCoefficientsAtGamma?] = [:]
    /// Bands per block of the last LOBPCG solve here when it went in band blocks (`LOBPCG.bandBlock`), else nil.
    private(set) var lastBandBlock: Int? = nil
    /// For V(G) (dense solver, subspace start); built on first use.
    private lazy var grid: FourierGrid = FourierGrid(basis: basis)

    init(basis: PlaneWaveBasis, distribution: KPointDistribution, nonlocal: NonlocalPseudopotential,
         method: EigensolverKind = .lobpcg, grid: FourierGrid? = nil, realAtGamma: Bool = true,
         workspaceBudget: Int = SCFParameters.defaultEigensolverMemory) {
        self.basis = basis; self.distribution = distribution; self.nonlocal = nonlocal; self.method = method
        self.realAtGamma = realAtGamma; self.workspaceBudget = workspaceBudget
        transform = WavefunctionFFT(basis: basis)
        if let grid { self.grid = grid }
    }

    /// Keeps the layouts of these k-points (the others are built at each use).
    func prepareLayouts<S: Sequence>(for ks: S) where S.Element == Int {
        for k in ks where layouts[k] == nil { layouts[k] = transform.layout(for: basis.kpoints[k]) }
    }

    /// Where k-point `k`'s sphere sits in the FFT box.
    func layout(_ k: Int) -> SphereFFTLayout { layouts[k] ?? transform.layout(for: basis.kpoints[k]) }

    /// The real packing of k-point `k` when it is Γ and real wave functions are in use.
    func packing(_ k: Int) -> RealCoefficientsAtGamma? {
        guard realAtGamma else { return nil }
        if let p = packings[k] { return p }
        let p = RealCoefficientsAtGamma(basis.kpoints[k])
        packings[k] = .some(p)
        return p
    }

    /// H_k[v] of k-point `k`.
    func hamiltonian(_ k: Int, potential v: [Double]) -> Hamiltonian {
        let kb = basis.kpoints[k]
        return Hamiltonian(kbasis: kb, potential: v, nonlocal: nonlocal.projectors(at: kb), transform: transform, layout: layout(k))
    }

    /// The lowest `bands` eigenpairs of H_k[v]. LOBPCG starts from `initial` (nil: `SubspaceStart`)
    /// and converges band n to a residual norm ‖Hψ − εψ‖ ≤ `tolerances[n]`; the dense solver is exact.
    /// `potentialFourier` caches V(G) across the k-points of one potential. `interrupted` (asked on this
    /// process between LOBPCG iterations, agreed over a pool of several processes) ends LOBPCG early.
    /// `initial` is consumed (`LOBPCG.solve`): passed as the only reference to the kept orbitals, their
    /// block becomes the result.
    func solve(_ k: Int, potential v: [Double], potentialFourier: inout [Complex64]?, initial: consuming ComplexMatrix?,
               bands: Int, tolerances: [Double], maxIterations: Int, interrupted: (() -> Bool)? = nil) throws -> Solution {
        let kb = basis.kpoints[k]
        let h = hamiltonian(k, potential: v)
        let nl = h.nonlocal
        let pool = distribution.pool
        switch method {
        case .dense:
            if potentialFourier == nil { potentialFourier = grid.fourier(v) }
            let e: (values: [Double], vectors: ComplexMatrix)
            if let pool {
                let vG = potentialFourier!
                let rows = nl.count > 0 ? nl.rows() : nil
                e = try pool.lowestEigenpairs(order: kb.count, count: bands) { i, j in
                    h.element(i, j, potentialFourier: vG, basis: basis, nonlocal: rows)
                }
            } else {
                let full = try hermitianEigen(h.matrix(potentialFourier: potentialFourier!, basis: basis))
                e = (Array(full.values.prefix(bands)), full.vectors.columns(0..<bands))
            }
            return Solution(values: e.values, vectors: e.vectors, nonlocal: nl.expectation(e.vectors), iterations: 1,
                            residualNorms: [Double](repeating: 0, count: bands), converged: true)
        case .lobpcg:
            var x0: ComplexMatrix
            if let start = consume initial {
                x0 = start
            } else {
                if potentialFourier == nil { potentialFourier = grid.fourier(v) }
                // on a pool of several processes the coarse problem is distributed from the pool's threshold on
                var lowest: SubspaceStart.LowestEigenpairs = SubspaceStart.localEigenpairs
                if let pool, pool.size > 1 {
                    lowest = { n, count, element in
                        n >= pool.distributedThreshold ? try pool.lowestEigenpairs(order: n, count: count, element: element)
                            : try SubspaceStart.localEigenpairs(n, count, element)
                    }
                }
                x0 = try SubspaceStart.orbitals(h, potentialFourier: potentialFourier!, basis: basis, bands: bands,
                                                noise: { RandomOrbitals.block(rows: kb.count, cols: bands, seed: k, kinetic: kb.kinetic) },
                                                lowest: lowest)
            }
            // at Γ, packed real vectors (half the rows) and H on two of them per FFT pair
            let real = packing(k)
            if let real { x0 = real.pack(x0) }
            let n = x0.rows, kinetic = real?.kinetic ?? kb.kinetic
            let applyH: (ComplexMatrix) -> ComplexMatrix = real.map { r in { r.apply(h.apply, to: $0) } } ?? { h.apply($0) }
            var eigen: LOBPCG.DenseEigen = { try hermitianEigen($0) }
            var check: (() throws -> Bool)? = interrupted
            if let pool, pool.size > 1, let interrupted { check = { try pool.anyProcess(interrupted()) } }
            if let pool {
                eigen = { a in a.rows >= pool.distributedThreshold ? try pool.hermitianEigen(a) : try hermitianEigen(a) }
            }
            let r: LOBPCG.Result
            var vectors: ComplexMatrix
            var nonlocal: [Double]
            if let pool, pool.size > 1 {
                // LOBPCG on this process' rows (plane waves) of every block; full orbitals again after it
                let rows = pool.rowRange(of: n)
                var local = ComplexMatrix(rows: rows.count, cols: x0.cols)
                for j in 0..<x0.cols { for i in 0..<rows.count { local[i, j] = x0[rows.lowerBound + i, j] } }
                x0 = ComplexMatrix(rows: 0, cols: 0)
                let tpa = TPAPreconditioner(kinetic: Array(kinetic[rows]))
                let rowSum: LOBPCG.RowSum = { try pool.sum($0) }
                let block = LOBPCG.bandBlock(bands: local.cols, rows: rows.count, budget: workspaceBudget)
                lastBandBlock = block < local.cols ? block : nil
                // T + V_loc by columns (FFTs of whole vectors), V_NL on the rows (each process its rows of P)
                let applyLocal: (ComplexMatrix) -> ComplexMatrix = real.map { r in { r.apply(h.applyLocal, to: $0) } }
                    ?? { h.applyLocal($0) }
                let planeWaves = real.map { r in rows.map { Int(r.representative[$0]) } } ?? Array(rows)
                let weights = real.map { _ in rows.map { $0 == 0 ? 1 : 2.0.squareRoot() } }
                r = try LOBPCG.solve(apply: { x in
                                         var y = try pool.mapRows(x, rows: n, applyLocal)
                                         try nl.applyRows(x, planeWaves: planeWaves, weights: weights, real: real != nil,
                                                          addingTo: &y, rowSum: rowSum)
                                         return y
                                     },
                                     precondition: { w, bands, x in try tpa.apply(&w, bands: bands, current: x, rowSum: rowSum) },
                                     initial: consume local, tolerances: tolerances, maxIterations: maxIterations, eigen: eigen,
                                     interrupted: check, rowSum: rowSum, realCoefficients: real != nil, bandBlock: block)
                vectors = try pool.gatherRows(r.vectors, rows: n)
                if let real { vectors = real.unpack(vectors) }
                // ⟨ψ_n|V_NL|ψ_n⟩ of this process' columns, completed over the pool (one contributor each)
                let cols = pool.columnRange(of: vectors.cols)
                nonlocal = [Double](repeating: 0, count: vectors.cols)
                if !cols.isEmpty { for (j, e) in nl.expectation(vectors.columns(cols)).enumerated() { nonlocal[cols.lowerBound + j] = e } }
                try nonlocal.withUnsafeMutableBufferPointer { try pool.sum($0) }
            } else {
                let tpa = TPAPreconditioner(kinetic: kinetic)
                let block = LOBPCG.bandBlock(bands: x0.cols, rows: n, budget: workspaceBudget)
                lastBandBlock = block < x0.cols ? block : nil
                r = try LOBPCG.solve(apply: applyH,
                                     precondition: { w, bands, x in tpa.apply(&w, bands: bands, current: x) },
                                     initial: consume x0, tolerances: tolerances, maxIterations: maxIterations, eigen: eigen,
                                     interrupted: check, realCoefficients: real != nil, bandBlock: block)
                // LOBPCG's blocks are free: their pages go back before the full-sphere orbitals are made
                if real != nil { HeapRelease.freePages() }
                vectors = real?.unpack(r.vectors) ?? r.vectors
                nonlocal = nl.expectation(vectors)
            }
            return Solution(values: r.values, vectors: vectors, nonlocal: nonlocal, iterations: r.iterations,
                            residualNorms: r.residualNorms, converged: r.converged)
        }
    }

    /// Solves every k-point this process owns with `solve(k, published(k))` and hands each result
    /// to `keep`; with `sharing`, first publishes `published` (`bands` columns), takes others' not yet
    /// started k-points once its own are done and hands those results back to their owners, whose
    /// `keep` gets them after the sum. Returns the lowest `reported` eigenvalues of every k-point
    /// (complete on every process), the largest iteration count, and the seconds spent solving and
    /// in the sum. Throws the local error, or `otherFailure` when another process failed.
    func solveAll(bands: Int, reported: Int, sharing: KPointSharing?, published: (Int) -> ComplexMatrix?,
                  otherFailure: @autoclosure () -> Error,
                  solve: (Int, consuming ComplexMatrix?) throws -> Solution,
                  keep: (Int, ComplexMatrix, [Double]) -> Void) throws
        -> (eigenvalues: [[Double]], iterations: Int, solving: Double, summing: Double) {
        let nk = basis.kpoints.count
        var flat = [Double](repeating: 0, count: nk * reported + 1)
        var iterations = 0
        var failure: Error? = nil
        let start = Date()
        let writesEigenvalues = (distribution.pool?.rank ?? 0) == 0
        func compute(_ k: Int, _ initial: consuming ComplexMatrix?) -> Solution? {
            do {
                let r = try solve(k, consume initial)
                iterations = max(iterations, r.iterations)
                if writesEigenvalues { for n in 0..<reported { flat[k * reported + n] = r.values[n] } }
                return r
            } catch {
                failure = failure ?? error
                flat[nk * reported] += 1
                return nil
            }
        }
        if let sharing {
            try sharing.begin(bands: bands, orbitals: published)
            while failure == nil, let k = sharing.nextOwn() {
                if let r = compute(k, published(k)) { keep(k, r.vectors, r.nonlocal) }
            }
            while failure == nil, let (k, x) = sharing.steal() {
                if let r = compute(k, x) { sharing.deliver(k: k, orbitals: r.vectors, nonlocal: r.nonlocal) }
            }
        } else {
            for k in 0..<nk where distribution.owns(k) && failure == nil {
                if let r = compute(k, published(k)) { keep(k, r.vectors, r.nonlocal) }
            }
        }
        let solved = Date()
        try distribution.sum(&flat)
        let summing = Date().timeIntervalSince(solved)
        if flat[nk * reported] > 0 { throw failure ?? otherFailure() }
        for r in sharing?.collect() ?? [] { keep(r.k, r.orbitals, r.nonlocal) }
        let eigenvalues = (0..<nk).map { k in Array(flat[(k * reported)..<((k + 1) * reported)]) }
        return (eigenvalues, iterations, solved.timeIntervalSince(start), summing)
    }
}
