import Bindings
import Foundation
import Parallel

/// ScaLAPACK: a distributed Hermitian eigenproblem (`pzheevd`) on a BLACS grid over all ranks,
/// compared with LAPACK (`zheevd`) on rank 0.
struct ScaLAPACKCheck: DoctorCheck {
    let name = "scalapack"
    var isCollective: Bool { true }
    var grid: GridShape?
    var n = 200
    var blockSize = 32
    static let tolerance = 1e-10

    func run(on comm: Communicator) throws -> DoctorResult {
        let blacs = grid.map { BLACSGrid(communicator: comm, rows: $0.rows, cols: $0.cols) }
            ?? BLACSGrid(communicator: comm)
        var a = DistributedMatrix(grid: blacs, n: n, blockSize: blockSize)
        a.fill { i, j in SampleData.hermitian(i, j, n: n) }
        let start = Date()
        let distributed = try a.eigen().values
        let seconds = Date().timeIntervalSince(start)
        guard comm.isRoot else { return pass("") }
        let reference = try hermitianEigen(ComplexMatrix(rows: n, cols: n) { i, j in SampleData.hermitian(i, j, n: n) },
                                           vectors: false).values
        let delta = maxDeviation(distributed, reference)
        let value = String(format: "grid %dx%d, n=%d, nb=%d: max|Δλ| = %.1e (%.3f s)",
                           blacs.rows, blacs.cols, n, blockSize, delta, seconds)
        guard delta < Self.tolerance else {
            return fail(value, "pzheevd disagrees with zheevd beyond \(Self.tolerance): check that ScaLAPACK, "
                        + "BLACS and MPI come from the same Open MPI build (libscalapack-openmpi-dev)")
        }
        return pass(value)
    }
}
