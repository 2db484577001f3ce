import Bindings
import Numerics
import Parallel
import PlaneWave

/// The communicator layout of one SCF: the group's ranks are split into k-point pools (as many
/// as there are k-points, at most one per rank), each pool owns k-points balanced by cost
/// (plane waves × bands), and a pool of several ranks shares its bands and its dense
/// eigenproblems (ScaLAPACK on a BLACS grid of the pool).
public struct KPointLayout: Codable, Sendable, Equatable {
    public let ranks: Int
    /// Group ranks of every pool.
    public let poolRanks: [[Int]]
    /// k-point indices of every pool.
    public let poolKPoints: [[Int]]
    /// BLACS grid of every pool ("1×1" for single-rank pools).
    public let blacsGrids: [String]

    /// Contiguous blocks of ranks per pool; k-points assigned largest cost first to the pool with
    /// the least load per rank (deterministic).
    public static func plan(ranks: Int, costs: [Double]) -> KPointLayout {
        let pools = max(1, min(ranks, costs.count))
        let poolRanks = (0..<pools).map { p in Array((p * ranks / pools)..<((p + 1) * ranks / pools)) }
        var load = [Double](repeating: 0, count: pools)
        var owned = [[Int]](repeating: [], count: pools)
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        for k in order {
            let p = (0..<pools).min { a, b in
                let la = (load[a] + costs[k]) / Double(poolRanks[a].count), lb = (load[b] + costs[k]) / Double(poolRanks[b].count)
                return la != lb ? la < lb : a < b
            }!
            load[p] += costs[k]
            owned[p].append(k)
        }
        let grids = poolRanks.map { r -> String in
            var rows = Int(Double(r.count).squareRoot()); while r.count % rows != 0 { rows -= 1 }
            return "\(rows)x\(r.count / rows)"
        }
        return KPointLayout(ranks: ranks, poolRanks: poolRanks, poolKPoints: owned.map { $0.sorted() }, blacsGrids: grids)
    }

    public func pool(ofRank r: Int) -> Int { poolRanks.firstIndex { $0.contains(r) }! }

    public var summary: String {
        "\(ranks) rank(s), \(poolRanks.count) k-point pool(s): " + poolRanks.indices.map { p in
            "pool \(p) ranks \(poolRanks[p].first!)…\(poolRanks[p].last!) k \(poolKPoints[p].count) grid \(blacsGrids[p])"
        }.joined(separator: "; ")
    }
}

/// The engine's `KPointDistribution` over an MPI group.
public final class MPIKPointDistribution: KPointDistribution {
    public let group: Communicator
    public let layout: KPointLayout
    let owned: Set<Int>
    let poolOperations: ScaLAPACKPool?
    public var pool: PoolOperations? { poolOperations }
    /// Whether single-rank pools on one node take each other's k-points within a step (`KPointStealing`).
    public let workStealing: Bool

    /// `costs[k]` ∝ the work of k-point k (plane waves × bands).
    public init(group: Communicator, costs: [Double], distributedThreshold: Int = 64, workStealing: Bool = true) throws {
        self.group = group
        self.workStealing = workStealing
        layout = KPointLayout.plan(ranks: group.size, costs: costs)
        let plan = layout
        processLoads = (0..<group.size).map { r in
            let p = plan.pool(ofRank: r)
            return plan.poolKPoints[p].reduce(0.0) { $0 + costs[$1] } / Double(plan.poolRanks[p].count)
        }
        let p = layout.pool(ofRank: group.rank)
        owned = Set(layout.poolKPoints[p])
        if layout.poolRanks[p].count > 1 {
            let comm = try group.split(color: p, key: group.rank)
            poolOperations = ScaLAPACKPool(communicator: comm, distributedThreshold: distributedThreshold)
        } else {
            // every rank must take part in the split, even alone in its pool
            _ = try group.split(color: p, key: group.rank)
            poolOperations = nil
        }
    }

    public func owns(_ k: Int) -> Bool { owned.contains(k) }

    /// Collective over the group. Only when every pool is a single rank (several-rank pools share
    /// each k-point's bands instead); each node's ranks share among themselves.
    public func makeSharing(planeWaves: [Int]) throws -> KPointSharing? {
        guard workStealing, group.size > 1, layout.poolRanks.allSatisfy({ $0.count == 1 }) else { return nil }
        let node = try group.splitShared()
        guard node.size > 1 else { return nil }
        var groupRanks = [Double](repeating: 0, count: node.size)
        groupRanks[node.rank] = Double(group.rank)
        try node.allreduce(&groupRanks)
        let lists = groupRanks.map { layout.poolKPoints[layout.pool(ofRank: Int($0))] }
        return KPointStealing(node: node, lists: lists, planeWaves: planeWaves) { [weak self] in self?.kpointsTaken += 1 }
    }

    /// k-point solves this process took over from others (`makeSharing`), over all steps so far.
    public private(set) var kpointsTaken = 0

    public func sum(_ values: inout [Double]) throws { try group.allreduce(&values) }

    public var process: (rank: Int, count: Int) { (group.rank, group.size) }

    /// A rank's share of its pool's k-point costs.
    public let processLoads: [Double]
}

/// Bands and dense eigenproblems shared by the ranks of one k-point pool.
public final class ScaLAPACKPool: PoolOperations {
    public let communicator: Communicator
    public let distributedThreshold: Int
    public var size: Int { communicator.size }
    public var rank: Int { communicator.rank }
    lazy var grid = BLACSGrid(communicator: communicator)
    /// Number of dense eigenproblems solved with ScaLAPACK (for tests and logs).
    public private(set) var distributedSolves = 0

    public init(communicator: Communicator, distributedThreshold: Int) {
        self.communicator = communicator
        self.distributedThreshold = distributedThreshold
    }

    /// Sums a matrix over the pool in place. Every element has one contributing rank, so the sum is exact.
    func assemble(_ m: inout ComplexMatrix) throws {
        let count = 2 * m.rows * m.cols
        try m.storage.withUnsafeMutableBytes { raw in
            let d = raw.bindMemory(to: Double.self)
            try communicator.allreduce(UnsafeMutableBufferPointer(rebasing: d[0..<count]))
        }
    }

    public func mapColumns(_ x: ComplexMatrix, _ f: (ComplexMatrix) -> ComplexMatrix) throws -> ComplexMatrix {
        let lo = rank * x.cols / size, hi = (rank + 1) * x.cols / size
        let mine = f(x.columns(lo..<hi))
        var full = ComplexMatrix(rows: mine.rows, cols: x.cols)
        if hi > lo { full.setColumns(from: mine, at: lo) }
        try assemble(&full)
        return full
    }

    public func hermitianEigen(_ a: ComplexMatrix) throws -> (values: [Double], vectors: ComplexMatrix) {
        try lowestEigenpairs(order: a.rows, count: a.rows) { a[$0, $1] }
    }

    public func lowestEigenpairs(order n: Int, count: Int, element: (Int, Int) -> Complex64) throws -> (values: [Double], vectors: ComplexMatrix) {
        distributedSolves += 1
        var m = DistributedMatrix(grid: grid, n: n, blockSize: min(32, max(1, n / max(1, grid.rows))))
        m.fill(element)
        let (values, z) = try m.eigen()
        var vectors = ComplexMatrix(rows: n, cols: count)
        for jl in 0..<z.localCols {
            let j = z.globalCol(jl)
            if j >= count { continue }
            for il in 0..<z.localRows { vectors[z.globalRow(il), j] = z.local[il + jl * z.localRows] }
        }
        try assemble(&vectors)
        return (Array(values.prefix(count)), vectors)
    }
}
