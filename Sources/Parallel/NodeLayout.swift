/// Which ranks share a node, from the gathered MPI processor names (collective).
public struct NodeLayout: Sendable {
    /// Processor name of every rank, by rank.
    public let names: [String]

    /// Gathers every rank's processor name on all ranks (a gather to rank 0, then a broadcast).
    public init(comm: Communicator) throws {
        let mine = MPIRuntime.processorName
        let gathered = try comm.gather(mine)?.joined(separator: "\n") ?? ""
        names = try comm.broadcast(gathered).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Ranks running on the same node as `rank`.
    public func ranksPerNode(of rank: Int) -> Int { names.filter { $0 == names[rank] }.count }

    /// Distinct nodes with their rank counts, in order of first appearance.
    public var nodes: [(name: String, ranks: Int)] {
        var seen: [String] = []
        for n in names where !seen.contains(n) { seen.append(n) }
        return seen.map { n in (n, names.filter { $0 == n }.count) }
    }
}
