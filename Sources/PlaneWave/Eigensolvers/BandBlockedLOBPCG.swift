import Bindings
import Numerics

/// LOBPCG over the bands block by block, for large cells where the search directions of every band
/// at once (X, W, P and their H-products, about eight blocks of all bands while the Rayleigh–Ritz
/// space is assembled) would take several times the memory of the orbitals themselves (ABINIT's
/// band blocks of `lobpcg2`, `bandpp`; Knyazev 2001, sec. 5, LOBPCG with constraints).
///
/// The bands are taken in ascending blocks of `bandBlock`. Block b starts from its columns of X
/// projected out of the blocks below, Y = X_{<b}, and runs LOBPCG with Y as a constraint (its new
/// directions W are projected out of Y before H is applied, so that only Y, not HY, is needed). Once
/// every block is done, one Rayleigh–Ritz step over all of X, from the blocks of XᴴHX formed as each
/// block finished (X_{≤b}ᴴ HX_b; H is Hermitian), rotates X and gives the eigenvalues.
///
/// Contract as `LOBPCG.solve`. Memory: X, and one block's workspace. The residual norms returned are
/// those of each block's last Ritz vectors, before the final rotation (which mixes bands only as far
/// as the blocks' vectors are not yet eigenvectors); `iterations` is the most any block took.
extension LOBPCG {
    /// Bands per block such that a block's workspace, about eight blocks of `rows` plane waves (16-byte
    /// coefficients) per band, stays within `budget` bytes: all bands when they fit, else the bands in
    /// equal blocks of at least `minimumBandBlock`.
    public static func bandBlock(bands: Int, rows: Int, budget: Int) -> Int {
        let perBand = 8 * 16 * max(1, rows)
        guard bands * perBand > budget else { return bands }
        let blocks = (bands * perBand + budget - 1) / max(1, budget)
        return min(bands, max(minimumBandBlock, (bands + blocks - 1) / blocks))
    }

    /// Fewer bands than this per block make the blocks' Rayleigh–Ritz steps too narrow to converge
    /// clustered bands well.
    public static let minimumBandBlock = 16

    static func solveInBandBlocks(apply: (ComplexMatrix) throws -> ComplexMatrix,
                                  precondition: (inout ComplexMatrix, [Int], ComplexMatrix) throws -> Void,
                                  initial: consuming ComplexMatrix, tolerances: [Double], maxIterations: Int,
                                  eigen: DenseEigen, interrupted: (() throws -> Bool)?, rowSum: RowSum?,
                                  real: Bool, bandBlock: Int) throws -> Result {
        let nb = initial.cols
        Swift.precondition(tolerances.count == nb, "one tolerance per band")
        Swift.precondition(bandBlock >= 1, "a band block of at least one band")
        let ops = Products(real: real)
        var x = consume initial
        try orthonormalize(&x, eigen: eigen, rowSum: rowSum, real: real)
        // XᴴHX, filled by block columns (upper part)
        var h = ComplexMatrix(rows: nb, cols: nb)
        var residuals = [Double](repeating: .infinity, count: nb)
        var iterations = 0, applications = 0, converged = true
        // once interrupted, the remaining blocks only take their Rayleigh–Ritz step (no further
        // question, so that a pool's processes keep asking the same number of times)
        var stopped = false
        let ask: (() throws -> Bool)? = interrupted.map { asked in {
            if !stopped { stopped = try asked() }
            return stopped
        } }
        for start in stride(from: 0, to: nb, by: bandBlock) {
            let block = start..<min(start + bandBlock, nb)
            let r = try solveBlock(block, of: x, apply: apply, precondition: precondition, tolerances: Array(tolerances[block]),
                                   maxIterations: stopped ? 0 : maxIterations, eigen: eigen, interrupted: ask, rowSum: rowSum,
                                   real: real, ops: ops)
            guard r.vectors.cols == block.count, let hxb = r.products else {
                throw LinearAlgebraError.lapack(routine: "LOBPCG band block \(block)", info: -1)
            }
            x.setColumns(from: r.vectors, at: start)
            var upper = try innerWithLeadingColumns(block.upperBound, of: x, hxb, rowSum: rowSum, ops: ops)
            for j in 0..<upper.cols { for i in 0..<upper.rows { h[i, start + j] = upper[i, j] } }
            upper = ComplexMatrix(rows: 0, cols: 0)
            for (j, n) in block.enumerated() { residuals[n] = r.residualNorms[j] }
            iterations = max(iterations, r.iterations)
            applications += r.operatorApplications
            converged = converged && r.converged
        }
        for j in 0..<nb { for i in (j + 1)..<nb { h[i, j] = h[j, i].conjugate } }
        let (values, vectors) = try eigenpairs(h, eigen: eigen, real: real)
        ops.multiplyInPlace(&x, by: vectors)
        return Result(values: values, vectors: x, residualNorms: residuals, iterations: iterations,
                      converged: converged, operatorApplications: applications)
    }

    /// LOBPCG on the columns `block` of X, constrained to the orthogonal complement of the columns
    /// before it, with their H-products kept. X's storage is only read (shared, not copied).
    private static func solveBlock(_ block: Range<Int>, of x: ComplexMatrix,
                                   apply: (ComplexMatrix) throws -> ComplexMatrix,
                                   precondition: (inout ComplexMatrix, [Int], ComplexMatrix) throws -> Void,
                                   tolerances: [Double], maxIterations: Int, eigen: DenseEigen,
                                   interrupted: (() throws -> Bool)?, rowSum: RowSum?, real: Bool, ops: Products) throws -> Result {
        var xb = x.columns(block)
        var lower: ComplexMatrix? = nil
        if block.lowerBound > 0 {
            var y = x
            y.shrink(toColumns: block.lowerBound)
            try projectOut(y, from: &xb, rowSum: rowSum, ops: ops)
            lower = y
        }
        return try solve(apply: apply, precondition: precondition, initial: xb, tolerances: tolerances, maxIterations: maxIterations,
                         eigen: eigen, interrupted: interrupted, rowSum: rowSum, real: real, constraint: lower, keepProducts: true)
    }

    /// X_{<n}ᴴ B over the rows of every process, X's first n columns read in place.
    private static func innerWithLeadingColumns(_ n: Int, of x: ComplexMatrix, _ b: ComplexMatrix, rowSum: RowSum?,
                                                ops: Products) throws -> ComplexMatrix {
        var leading = x
        leading.shrink(toColumns: n)
        var m = ops.inner(leading, b)
        try sum(&m, rowSum)
        return m
    }
}
