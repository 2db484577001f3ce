import Bindings
import Foundation
import Parallel

/// Threads per rank against ranks per node: OpenBLAS (and OpenMP, if any library uses it)
/// otherwise start one thread per core in every rank and oversubscribe the node.
struct ThreadsCheck: DoctorCheck {
    let name = "threads"
    var isCollective: Bool { true }
    static let variables = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"]

    func run(on comm: Communicator) throws -> DoctorResult {
        let layout = try NodeLayout(comm: comm)
        let perNode = layout.ranksPerNode(of: comm.rank)
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let recommended = max(1, cores / perNode)
        let env = ProcessInfo.processInfo.environment
        let settings = Self.variables.map { v in (v, env[v].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }, env[v]) }
        let value = settings.map { "\($0.0)=\($0.2 ?? "unset")" }.joined(separator: " ")
            + "; \(perNode) rank\(perNode == 1 ? "" : "s")/node, \(cores) cores, OpenBLAS threads \(BLASThreads.current)"
        // a variable is a problem when unset with several ranks per node, not a number,
        // or more than one thread per rank when that oversubscribes the cores
        let bad = settings.filter { _, threads, raw in
            if raw == nil { return perNode > 1 }
            guard let t = threads, t >= 1 else { return true }
            return t > 1 && t * perNode > cores
        }.map(\.0)
        if !bad.isEmpty {
            let fix = bad.map { "\($0)=\(recommended)" }.joined(separator: " ")
            return warn(value, "\(perNode) rank\(perNode == 1 ? "" : "s") per node on \(cores) cores: export \(fix)")
        }
        if perNode > cores {
            return pass(value, "\(perNode) ranks oversubscribe \(cores) cores (fine for tests, slow for production)")
        }
        return pass(value)
    }
}
