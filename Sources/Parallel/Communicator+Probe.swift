import CMPI
import Foundation

extension Communicator {
    /// MPI_Iprobe: the source of a pending message with `tag` (from `source`, or any source when
    /// nil), or nil when none has arrived. Lets a rank that also computes answer requests between
    /// steps (single-threaded MPI).
    public func probe(from source: Int? = nil, tag: Int) throws -> Int? {
        var flag: Int32 = 0
        var status = MPI_Status()
        try check(MPI_Iprobe(Int32(source ?? Int(PCMPI_ANY_SOURCE)), Int32(tag), handle, &flag, &status), "MPI_Iprobe")
        return flag != 0 ? Int(status.MPI_SOURCE) : nil
    }
}
