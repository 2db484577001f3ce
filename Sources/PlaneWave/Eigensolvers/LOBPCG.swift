import Bindings
import Numerics
import Foundation

/// Block LOBPCG (Knyazev 2001) for the lowest eigenpairs of a Hermitian operator, with soft
/// locking of converged bands, tracked H-products for X, W and P, and an orthonormalisation of
/// the search directions by the eigen-decomposition of their overlap (robust when they become
/// nearly dependent).
public enum LOBPCG {
    public struct Result {
        public var values: [Double]
        public var vectors: ComplexMatrix
        public var residualNorms: [Double]
        public var iterations: Int
        public var converged: Bool
        public var operatorApplications: Int
        /// H times `vectors`, when asked for (`keepProducts`).
        var products: ComplexMatrix? = nil
    }

    /// - Parameters:
    ///   - apply: X ↦ H X.
    ///   - precondition: applied in place to the residual columns of the given bands, given the current X.
    ///   - initial: starting block (columns need not be orthonormal).
    public static func solve(apply: (ComplexMatrix) throws -> ComplexMatrix,
                             precondition: (inout ComplexMatrix, [Int], ComplexMatrix) -> Void,
                             initial: consuming ComplexMatrix, tolerance: Double, maxIterations: Int) throws -> Result {
        let tolerances = [Double](repeating: tolerance, count: initial.cols)
        return try solve(apply: apply, precondition: precondition, initial: initial, tolerances: tolerances, maxIterations: maxIterations)
    }

    /// Dense Hermitian eigen-solver used for the small projected problems (LAPACK by default;
    /// a k-point pool substitutes a distributed one).
    public typealias DenseEigen = (ComplexMatrix) throws -> (values: [Double], vectors: ComplexMatrix)

    /// Element-wise sum, in place, over the processes that each hold some rows of the blocks.
    public typealias RowSum = (UnsafeMutableBufferPointer<Double>) throws -> Void

    /// As above with a residual tolerance per band (looser for bands that carry no electrons).
    /// `interrupted` is asked before every iteration (after the residuals): true returns the current
    /// Ritz pairs, unconverged. Where several processes share the block (`apply`, `eigen`
    /// collective), it must answer the same on all of them. `initial` is consumed: handed over as the
    /// only reference to its storage, that block becomes X and, updated in place, the returned vectors
    /// (no copy of it is made).
    ///
    /// Row-distributed blocks (`rowSum` given): each process holds a contiguous range of the rows
    /// (plane waves) of every block, `initial` included, and `apply`/`precondition` act on such blocks.
    /// Every inner product over rows (the overlaps XᴴQ, the Gram matrices, the residual norms) is the
    /// local one completed by `rowSum`, so the small matrices, and from them the Rayleigh–Ritz problems
    /// and every update X C, are the same on all processes; the returned vectors are this process' rows.
    ///
    /// Real mode (`realCoefficients`): the blocks hold packed real vectors (`RealCoefficientsAtGamma`),
    /// whose inner product is the real part of the complex one. Every small matrix (overlaps, Gram and
    /// Rayleigh–Ritz matrices) is then taken as its real part, so that all combination coefficients
    /// are real and the vectors stay real; `initial`'s a(0) must be real, as `apply` and
    /// `precondition` must keep it.
    ///
    /// Band blocks (`bandBlock` below the number of bands): the bands are solved block after block
    /// (`solveInBandBlocks`), so that the search directions of only `bandBlock` bands are held at a time.
    public static func solve(apply: (ComplexMatrix) throws -> ComplexMatrix,
                             precondition: (inout ComplexMatrix, [Int], ComplexMatrix) throws -> Void,
                             initial: consuming ComplexMatrix, tolerances: [Double], maxIterations: Int,
                             eigen: DenseEigen = { try hermitianEigen($0) },
                             interrupted: (() throws -> Bool)? = nil, rowSum: RowSum? = nil,
                             realCoefficients real: Bool = false, bandBlock: Int = .max) throws -> Result {
        if bandBlock < initial.cols {
            return try solveInBandBlocks(apply: apply, precondition: precondition, initial: initial, tolerances: tolerances,
                                         maxIterations: maxIterations, eigen: eigen, interrupted: interrupted, rowSum: rowSum,
                                         real: real, bandBlock: bandBlock)
        }
        return try solve(apply: apply, precondition: precondition, initial: initial, tolerances: tolerances, maxIterations: maxIterations,
                         eigen: eigen, interrupted: interrupted, rowSum: rowSum, real: real, constraint: nil, keepProducts: false)
    }

    /// The block solve. With `constraint` Y (orthonormal columns, the lower bands of a band-blocked
    /// solve), the search directions are kept orthogonal to Y: `initial` must be, and each new W is
    /// projected out of Y before H is applied to it (P, a combination of W and X, follows). With
    /// `keepProducts` the result carries H X.
    static func solve(apply: (ComplexMatrix) throws -> ComplexMatrix,
                      precondition: (inout ComplexMatrix, [Int], ComplexMatrix) throws -> Void,
                      initial: consuming ComplexMatrix, tolerances: [Double], maxIterations: Int,
                      eigen: DenseEigen, interrupted: (() throws -> Bool)?, rowSum: RowSum?,
                      real: Bool, constraint y: ComplexMatrix?, keepProducts: Bool) throws -> Result {
        let nb = initial.cols
        Swift.precondition(tolerances.count == nb, "one tolerance per band")
        let ops = Products(real: real)
        var x = consume initial
        try orthonormalize(&x, eigen: eigen, rowSum: rowSum, real: real)
        var hx = try apply(x)
        var applications = nb
        var (lambda, c) = try rayleighRitz(x, hx, eigen: eigen, rowSum: rowSum, real: real)
        ops.multiplyInPlace(&x, by: c)
        ops.multiplyInPlace(&hx, by: c)
        var p: ComplexMatrix? = nil, hp: ComplexMatrix? = nil
        var resNorms = [Double](repeating: .infinity, count: nb)
        var iteration = 0
        while true {
            // residual norms ‖HX − XΛ‖ of every band, without forming the residual block
            resNorms = try residualNorms(x, hx, lambda, rowSum: rowSum)
            let active = (0..<nb).filter { resNorms[$0] > tolerances[$0] }
            let stop = active.isEmpty || iteration >= maxIterations ? true : try interrupted?() ?? false
            if stop {
                return Result(values: lambda, vectors: x, residualNorms: resNorms, iterations: iteration,
                              converged: active.isEmpty, operatorApplications: applications, products: keepProducts ? hx : nil)
            }
            iteration += 1
            // W = K R of the active bands, R = HX − XΛ formed in W's columns
            var w = ComplexMatrix(rows: x.rows, cols: active.count)
            for (j, n) in active.enumerated() { for g in 0..<x.rows { w[g, j] = hx[g, n] - x[g, n] * lambda[n] } }
            try precondition(&w, active, x)
            if let y { try projectOut(y, from: &w, rowSum: rowSum, ops: ops) }
            var hw = try apply(w)
            applications += w.cols
            // search space Q = [W, P_active], H Q tracked alongside; each block is dropped once copied,
            // so that at most two (n × bands) blocks beyond X, HX, Q, HQ are alive at any point
            // (P and HP are read through the optionals, not bound to names, so that setting them to nil frees them)
            var q = w, hq = hw
            if p != nil, hp != nil {
                q = ComplexMatrix(rows: w.rows, cols: 2 * active.count)
                q.setColumns(from: w, at: 0)
                w = ComplexMatrix(rows: 0, cols: 0)
                for (j, n) in active.enumerated() { q.setColumns(from: p!, column: n, at: active.count + j) }
                p = nil
                hq = ComplexMatrix(rows: hw.rows, cols: 2 * active.count)
                hq.setColumns(from: hw, at: 0)
                hw = ComplexMatrix(rows: 0, cols: 0)
                for (j, n) in active.enumerated() { hq.setColumns(from: hp!, column: n, at: active.count + j) }
                hp = nil
            }
            w = ComplexMatrix(rows: 0, cols: 0); hw = w
            // project out X (Q ⊥ X, `projectOut`; H Q alike), then orthonormalise Q
            for b in try projectOut(x, from: &q, rowSum: rowSum, ops: ops) { ops.subtract(hx, times: b, from: &hq) }
            guard let t = try orthonormalizer(q, eigen: eigen, rowSum: rowSum, real: real) else {
                return Result(values: lambda, vectors: x, residualNorms: resNorms, iterations: iteration,
                              converged: false, operatorApplications: applications, products: keepProducts ? hx : nil)
            }
            ops.multiplyInPlace(&q, by: t)
            ops.multiplyInPlace(&hq, by: t)
            // Rayleigh–Ritz on S = [X, Q] from its blocks, without forming S or HS: the new P = Q C_Q and
            // X = X C_X + P overwrite Q and X (and HP, HX likewise), so the step needs no block beyond X,
            // HX, Q and HQ
            let nq = q.cols
            let (values, vectors) = try rayleighRitz(x, hx, q, hq, eigen: eigen, rowSum: rowSum, real: real)
            lambda = Array(values.prefix(nb))
            var cx = ComplexMatrix(rows: nb, cols: nb), cq = ComplexMatrix(rows: nq, cols: nb)
            for j in 0..<nb {
                for i in 0..<nb { cx[i, j] = vectors[i, j] }
                for i in 0..<nq { cq[i, j] = vectors[nb + i, j] }
            }
            // P and HP are kept to the next iteration in storage of their size (Q's holds up to twice the
            // columns): a copy of one block while Q, HQ are alive, instead of two blocks' surplus kept alive
            ops.multiplyInPlace(&q, by: cq)
            ops.multiplyInPlace(&x, by: cx, plus: q)
            p = compacted(q)
            q = ComplexMatrix(rows: 0, cols: 0)
            ops.multiplyInPlace(&hq, by: cq)
            ops.multiplyInPlace(&hx, by: cx, plus: hq)
            hp = compacted(hq)
            hq = q
            // keep X orthonormal against rounding drift, once it shows
            var overlap = ops.gram(x)
            try sum(&overlap, rowSum)
            if deviationFromIdentity(overlap) > orthonormalityDrift, let u = try? choleskyUpper(overlap) {
                ops.solveUpperRight(&x, u); ops.solveUpperRight(&hx, u)
            }
        }
    }

    /// The block products of one solve: complex, or in real mode on the blocks' real view with real
    /// coefficients (`RealCombinations`).
    struct Products {
        let real: Bool
        /// AᴴB (its real part in real mode).
        func inner(_ a: ComplexMatrix, _ b: ComplexMatrix) -> ComplexMatrix {
            real ? RealCombinations.innerProducts(a, b) : multiply(.adjoint, a, .none, b)
        }
        /// AᴴA (its real part in real mode).
        func gram(_ a: ComplexMatrix) -> ComplexMatrix { real ? RealCombinations.gram(a) : Bindings.gram(a) }
        /// A ← A B (+ C).
        func multiplyInPlace(_ a: inout ComplexMatrix, by b: ComplexMatrix, plus c: ComplexMatrix? = nil) {
            if real { RealCombinations.multiplyInPlace(&a, by: b, plus: c) } else { Bindings.multiplyInPlace(&a, by: b, plus: c) }
        }
        /// Q ← Q − X B.
        func subtract(_ x: ComplexMatrix, times b: ComplexMatrix, from q: inout ComplexMatrix) {
            if real {
                RealCombinations.gemm(x, b, alpha: -1, beta: 1, into: &q)
            } else {
                Bindings.gemm(.none, x, .none, b, alpha: Complex64(-1, 0), beta: .one, into: &q)
            }
        }
        /// B ← B U⁻¹.
        func solveUpperRight(_ b: inout ComplexMatrix, _ u: ComplexMatrix) {
            if real { RealCombinations.solveUpperRight(&b, u) } else { Bindings.solveUpperRight(&b, u) }
        }
    }

    /// Q ← Q − Y (YᴴQ) for orthonormal Y, a second time when a column lost most of its norm in the first
    /// pass (Daniel–Gragg–Kaufman–Stewart: then the first left rounding errors of the removed part's
    /// size). Returns the coefficients YᴴQ of each pass, for the caller to update H Q alike.
    @discardableResult
    static func projectOut(_ y: ComplexMatrix, from q: inout ComplexMatrix, rowSum: RowSum?, ops: Products) throws -> [ComplexMatrix] {
        let before = try columnNorms(q, rowSum: rowSum)
        var passes: [ComplexMatrix] = []
        for pass in 0..<2 {
            var b = ops.inner(y, q)
            try sum(&b, rowSum)
            ops.subtract(y, times: b, from: &q)
            passes.append(b)
            if pass == 0, try !zip(columnNorms(q, rowSum: rowSum), before).contains(where: { $0 < 0.5.squareRoot() * $1 }) { break }
        }
        return passes
    }

    /// M itself when its storage holds just its columns, else a copy of its columns in storage of their size.
    static func compacted(_ m: ComplexMatrix) -> ComplexMatrix {
        m.storage.count > m.rows * m.cols + ComplexMatrix.padding ? m.columns(0..<m.cols) : m
    }

    /// Completes a product over this process' rows by `rowSum` (nothing without it). In real mode the
    /// products (`Products`) are real already.
    static func sum(_ m: inout ComplexMatrix, _ rowSum: RowSum?) throws {
        guard let rowSum else { return }
        let count = 2 * m.rows * m.cols
        try m.storage.withUnsafeMutableBytes { raw in
            try rowSum(UnsafeMutableBufferPointer(rebasing: raw.bindMemory(to: Double.self)[0..<count]))
        }
    }

    /// M ← Re M.
    static func keepRealPart(_ m: inout ComplexMatrix) {
        for j in 0..<m.cols { for i in 0..<m.rows { m[i, j] = Complex64(m[i, j].real, 0) } }
    }

    /// Eigenpairs of the projected problem Sᴴ H S (S orthonormal), ascending.
    static func rayleighRitz(_ s: ComplexMatrix, _ hs: ComplexMatrix, eigen: DenseEigen, rowSum: RowSum? = nil,
                             real: Bool = false) throws -> ([Double], ComplexMatrix) {
        var h = Products(real: real).inner(s, hs)
        try sum(&h, rowSum)
        return try eigenpairs(h, eigen: eigen, real: real)
    }

    /// Eigenpairs of a projected matrix, made exactly Hermitian; in real mode real symmetric, and its
    /// eigenvectors real (the solvers return them real for real input up to rounding, which is dropped).
    static func eigenpairs(_ h: consuming ComplexMatrix, eigen: DenseEigen, real: Bool) throws -> ([Double], ComplexMatrix) {
        var h = h
        hermitize(&h)
        var e = try eigen(h)
        if real { keepRealPart(&e.vectors) }
        return (e.values, e.vectors)
    }

    /// The same for S = [X, Q] given by its blocks: Sᴴ HS = [XᴴHX XᴴHQ; QᴴHX QᴴHQ], with QᴴHX taken
    /// as (XᴴHQ)ᴴ (H is Hermitian).
    static func rayleighRitz(_ x: ComplexMatrix, _ hx: ComplexMatrix, _ q: ComplexMatrix, _ hq: ComplexMatrix,
                             eigen: DenseEigen, rowSum: RowSum? = nil, real: Bool = false) throws -> ([Double], ComplexMatrix) {
        let nx = x.cols, n = x.cols + q.cols, ops = Products(real: real)
        var h = ComplexMatrix(rows: n, cols: n)
        for (row, a, col, b) in [(0, x, 0, hx), (0, x, nx, hq), (nx, q, nx, hq)] {
            var block = ops.inner(a, b)
            try sum(&block, rowSum)
            for j in 0..<block.cols { for i in 0..<block.rows { h[row + i, col + j] = block[i, j] } }
        }
        for j in 0..<nx { for i in nx..<n { h[i, j] = h[j, i].conjugate } }
        return try eigenpairs(h, eigen: eigen, real: real)
    }

    /// max |XᴴX − 1| above which X is orthonormalised again: rounding leaves about 1e-15 after each
    /// Rayleigh–Ritz rotation; eigenvalues then err by this times their size.
    static let orthonormalityDrift = 1e-12

    /// max_ij |O_ij − δ_ij|.
    static func deviationFromIdentity(_ o: ComplexMatrix) -> Double {
        var d = 0.0
        for j in 0..<o.cols { for i in 0..<o.rows { d = max(d, (o[i, j] - (i == j ? .one : .zero)).magnitude) } }
        return d
    }

    /// ‖x_n‖ of every column.
    static func columnNorms(_ x: ComplexMatrix) -> [Double] {
        (0..<x.cols).map { n in var s = 0.0; for g in 0..<x.rows { s += x[g, n].norm2 }; return s.squareRoot() }
    }

    /// ‖HX_n − λ_n X_n‖ of every column, over the rows of every process (`rowSum`).
    static func residualNorms(_ x: ComplexMatrix, _ hx: ComplexMatrix, _ lambda: [Double], rowSum: RowSum?) throws -> [Double] {
        var squares = (0..<x.cols).map { n in
            var s = 0.0
            for g in 0..<x.rows { s += (hx[g, n] - x[g, n] * lambda[n]).norm2 }
            return s
        }
        if let rowSum { try squares.withUnsafeMutableBufferPointer { try rowSum($0) } }
        return squares.map { $0.squareRoot() }
    }

    /// The same over the rows of every process (`rowSum`).
    static func columnNorms(_ x: ComplexMatrix, rowSum: RowSum?) throws -> [Double] {
        guard let rowSum else { return columnNorms(x) }
        var squares = (0..<x.cols).map { n in var s = 0.0; for g in 0..<x.rows { s += x[g, n].norm2 }; return s }
        try squares.withUnsafeMutableBufferPointer { try rowSum($0) }
        return squares.map { $0.squareRoot() }
    }

    /// Makes a nearly Hermitian matrix exactly Hermitian (so that distributed and local solvers see the same matrix).
    static func hermitize(_ h: inout ComplexMatrix) {
        let n = h.rows
        for j in 0..<n { for i in 0...j {
            let v = (h[i, j] + h[j, i].conjugate) * 0.5
            h[i, j] = v; h[j, i] = v.conjugate
        } }
    }

    /// Makes the columns of X orthonormal, spanning the same space, in place (Cholesky, falling back to
    /// the overlap's eigenvectors).
    static func orthonormalize(_ x: inout ComplexMatrix, eigen: DenseEigen, rowSum: RowSum? = nil, real: Bool = false) throws {
        let ops = Products(real: real)
        var o = ops.gram(x)
        try sum(&o, rowSum)
        if let u = try? choleskyUpper(o) {
            ops.solveUpperRight(&x, u)
            return
        }
        guard let t = try orthonormalizer(x, eigen: eigen, rowSum: rowSum, real: real) else { throw LinearAlgebraError.lapack(routine: "orthonormalize", info: -1) }
        ops.multiplyInPlace(&x, by: t)
    }

    /// T such that (XT)ᴴ(XT) = 1, dropping directions with overlap eigenvalue below 1e-8 of the largest,
    /// so that T amplifies by at most 10⁴: with 1e-12 (10⁶), the rounding left in Q's X components grew
    /// from step to step until the iteration diverged (Si, 14 bands of 169 plane waves from random starts,
    /// `BandBlockedLOBPCGTests.randomStarts`).
    static func orthonormalizer(_ x: ComplexMatrix, eigen: DenseEigen, rowSum: RowSum? = nil, real: Bool = false) throws -> ComplexMatrix? {
        var o = Products(real: real).gram(x)
        try sum(&o, rowSum)
        let (values, vectors) = try eigenpairs(o, eigen: eigen, real: real)
        let e = (values: values, vectors: vectors)
        guard let top = e.values.last, top > 0 else { return nil }
        let keep = e.values.indices.filter { e.values[$0] > 1e-8 * top }
        if keep.isEmpty { return nil }
        var t = ComplexMatrix(rows: x.cols, cols: keep.count)
        for (j, k) in keep.enumerated() {
            let s = 1 / e.values[k].squareRoot()
            for i in 0..<x.cols { t[i, j] = e.vectors[i, k] * s }
        }
        return t
    }
}

/// Teter–Payne–Allan preconditioner: each residual component is scaled by
/// K(x) = (27 + 18x + 12x² + 8x³)/(27 + 18x + 12x² + 8x³ + 16x⁴), x = (|k+G|²/2)/E_kin(band).
public struct TPAPreconditioner {
    public let kinetic: [Double]
    public init(kinetic: [Double]) { self.kinetic = kinetic }

    public func apply(_ w: inout ComplexMatrix, bands: [Int], current x: ComplexMatrix) {
        for (col, n) in bands.enumerated() {
            var ek = 0.0
            for g in 0..<x.rows { ek += x[g, n].norm2 * kinetic[g] }
            scale(&w, column: col, kineticEnergy: ek)
        }
    }

    /// The same on row-distributed blocks (`LOBPCG.solve`): `kinetic` holds this process' rows, and
    /// each band's E_kin is completed by `rowSum`.
    public func apply(_ w: inout ComplexMatrix, bands: [Int], current x: ComplexMatrix, rowSum: LOBPCG.RowSum) throws {
        var ek = bands.map { n in var e = 0.0; for g in 0..<x.rows { e += x[g, n].norm2 * kinetic[g] }; return e }
        try ek.withUnsafeMutableBufferPointer { try rowSum($0) }
        for col in bands.indices { scale(&w, column: col, kineticEnergy: ek[col]) }
    }

    /// Column `col` of W times K(|k+G|²/2 / E_kin), E_kin = max(e, 10⁻² Ha).
    private func scale(_ w: inout ComplexMatrix, column col: Int, kineticEnergy e: Double) {
        let ek = max(e, 1e-2)
        for g in 0..<w.rows {
            let x = kinetic[g] / ek
            let num = 27 + x * (18 + x * (12 + 8 * x))
            w[g, col] = w[g, col] * (num / (num + 16 * x * x * x * x))
        }
    }
}
