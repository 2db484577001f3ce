import Bindings
import CScaLAPACK
import Numerics

/// A complex n×n matrix distributed block-cyclically (block nb×nb) over a BLACS grid;
/// each rank stores its local block column-major (leading dimension = local rows).
public struct DistributedMatrix {
    public let grid: BLACSGrid
    public let n: Int
    public let blockSize: Int
    public let localRows: Int
    public let localCols: Int
    public var local: [Complex64]
    var descriptor: [Int32]

    public init(grid: BLACSGrid, n: Int, blockSize: Int = 32) {
        self.grid = grid
        self.n = n
        self.blockSize = blockSize
        var N = Int32(n), NB = Int32(blockSize), zero: Int32 = 0
        var pr = Int32(grid.myRow), pc = Int32(grid.myCol), nr = Int32(grid.rows), nc = Int32(grid.cols)
        localRows = Int(numroc_(&N, &NB, &pr, &zero, &nr))
        localCols = Int(numroc_(&N, &NB, &pc, &zero, &nc))
        var lld = Int32(max(1, localRows)), ctxt = grid.context, info: Int32 = 0
        var desc = [Int32](repeating: 0, count: 9)
        descinit_(&desc, &N, &N, &NB, &NB, &zero, &zero, &ctxt, &lld, &info)
        precondition(info == 0, "descinit failed: info \(info)")
        descriptor = desc
        // padded: OpenBLAS 0.3.21 reads past the end of complex buffers (see ComplexMatrix)
        local = [Complex64](repeating: .zero, count: max(1, localRows) * max(1, localCols) + ComplexMatrix.padding)
    }

    /// The block size for an n×n matrix on `grid`: at most `preferred`, and small enough that every
    /// process row and column holds a block, which `pzheevd` needs (info −3 otherwise). Meaningful
    /// for n ≥ max(rows, cols).
    public static func blockSize(order n: Int, grid: BLACSGrid, preferred: Int = 32) -> Int {
        min(preferred, max(1, n / max(grid.rows, grid.cols)))
    }

    /// Global index (0-based) of local row `i` / column `j`.
    @inlinable public func globalRow(_ i: Int) -> Int { (i / blockSize * grid.rows + grid.myRow) * blockSize + i % blockSize }
    @inlinable public func globalCol(_ j: Int) -> Int { (j / blockSize * grid.cols + grid.myCol) * blockSize + j % blockSize }

    /// Sets every locally stored element from a function of the global indices.
    public mutating func fill(_ element: (Int, Int) -> Complex64) {
        for j in 0..<localCols {
            let gj = globalCol(j)
            for i in 0..<localRows { local[i + j * localRows] = element(globalRow(i), gj) }
        }
    }

    /// Eigenvalues (ascending, on every rank) and the distributed eigenvectors (`pzheevd`, upper).
    public func eigen() throws -> (values: [Double], vectors: DistributedMatrix) {
        // the same answer on every process, so all throw together instead of some waiting in pzheevd
        let blocks = (n + blockSize - 1) / blockSize
        guard blocks >= max(grid.rows, grid.cols) else {
            throw LinearAlgebraError.distribution("pzheevd needs a block on every process row and column: n = \(n) in blocks of "
                                                  + "\(blockSize) on a \(grid.rows)×\(grid.cols) grid (see DistributedMatrix.blockSize)")
        }
        var a = self
        var z = DistributedMatrix(grid: grid, n: n, blockSize: blockSize)
        var w = [Double](repeating: 0, count: n)
        var N = Int32(n), one: Int32 = 1, info: Int32 = 0
        var desc = descriptor
        var lwork: Int32 = -1, lrwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 2), rq = [0.0], iq: [Int32] = [0]
        pzheevd_("V", "U", &N, &a.local, &one, &one, &desc, &w, &z.local, &one, &one, &desc,
                 &wq, &lwork, &rq, &lrwork, &iq, &liwork, &info, 1, 1)
        if info != 0 { throw LinearAlgebraError.lapack(routine: "pzheevd (workspace query)", info: Int(info)) }
        lwork = Int32(wq[0]) + 1; lrwork = Int32(rq[0]) + 1; liwork = max(iq[0], 1)
        var work = [Double](repeating: 0, count: 2 * Int(lwork) + 512)
        var rwork = [Double](repeating: 0, count: Int(lrwork) + 512)
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        pzheevd_("V", "U", &N, &a.local, &one, &one, &desc, &w, &z.local, &one, &one, &desc,
                 &work, &lwork, &rwork, &lrwork, &iwork, &liwork, &info, 1, 1)
        if info != 0 { throw LinearAlgebraError.lapack(routine: "pzheevd", info: Int(info)) }
        return (w, z)
    }
}
