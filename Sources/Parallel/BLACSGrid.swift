import CMPI
import CScaLAPACK

/// A BLACS process grid (nprow × npcol, row-major) on the ranks of a communicator.
/// Released with `Cblacs_gridexit` (never `Cblacs_exit`, which finalises MPI).
public final class BLACSGrid: @unchecked Sendable {
    public let context: Int32
    public let rows: Int
    public let cols: Int
    public let myRow: Int
    public let myCol: Int
    private let systemHandle: Int32

    /// The most nearly square grid with rows ≤ cols that uses every rank of `comm`.
    public convenience init(communicator comm: Communicator) {
        var r = Int(Double(comm.size).squareRoot())
        while comm.size % r != 0 { r -= 1 }
        self.init(communicator: comm, rows: r, cols: comm.size / r)
    }

    public init(communicator comm: Communicator, rows: Int, cols: Int) {
        precondition(rows * cols == comm.size, "grid \(rows)×\(cols) does not match \(comm.size) ranks")
        systemHandle = Csys2blacs_handle(comm.handle)
        var ctxt = systemHandle
        Cblacs_gridinit(&ctxt, "Row", Int32(rows), Int32(cols))
        context = ctxt
        var nr: Int32 = 0, nc: Int32 = 0, mr: Int32 = 0, mc: Int32 = 0
        Cblacs_gridinfo(ctxt, &nr, &nc, &mr, &mc)
        self.rows = Int(nr); self.cols = Int(nc); myRow = Int(mr); myCol = Int(mc)
    }

    deinit {
        Cblacs_gridexit(context)
        Cfree_blacs_system_handle(systemHandle)
    }

    public var description: String { "\(rows)×\(cols)" }
}
