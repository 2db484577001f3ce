import Parallel

/// MPI: rank count, processor names (gathered), and an allreduce whose result is known.
struct MPICheck: DoctorCheck {
    let name = "mpi"
    var isCollective: Bool { true }

    func run(on comm: Communicator) throws -> DoctorResult {
        let layout = try NodeLayout(comm: comm)
        let n = comm.size
        let sum = try comm.allreduce(Double(comm.rank))
        let expected = Double(n * (n - 1) / 2)
        let nodes = layout.nodes
        let shown = nodes.prefix(4).map { "\($0.name)×\($0.ranks)" }.joined(separator: ", ")
            + (nodes.count > 4 ? ", …" : "")
        let value = "\(n) rank\(n == 1 ? "" : "s") on \(nodes.count) node\(nodes.count == 1 ? "" : "s") (\(shown)); "
            + "allreduce Σrank = \(Int(sum))"
        guard sum == expected else {
            return fail(value, "allreduce returned \(sum), expected \(Int(expected)): the MPI installation is broken; "
                        + "check that mpirun and the linked libmpi are the same Open MPI")
        }
        return pass(value, MPIRuntime.libraryVersion)
    }
}
