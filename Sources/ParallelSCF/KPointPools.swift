import Bindings
import Numerics
import Parallel
import PlaneWave

/// The communicator layout of one SCF: the group's ranks are split into k-point pools (as many
/// as there are k-points, at most one per rank, unless a BLACS grid fixes their size), each pool
/// owns k-points balanced by cost (plane waves × bands), and a pool of several ranks shares its
/// bands and its dense eigenproblems (ScaLAPACK on a BLACS grid of the pool).
public struct KPointLayout: Codable, Sendable, Equatable {
    public let ranks: Int
    /// Group ranks of every pool.
    public let poolRanks: [[Int]]
    /// k-point indices of every pool.
    public let poolKPoints: [[Int]]
    /// BLACS grid of every pool ("1×1" for single-rank pools).
    public let blacsGrids: [String]

    /// Contiguous blocks of ranks per pool; k-points assigned largest cost first to the pool with
    /// the least load per rank (deterministic). Without `grid`, as many pools as k-points (at most one
    /// per rank) on the most nearly square grids; with it, pools of `grid.count` ranks on that grid.
    public static func plan(ranks: Int, costs: [Double], grid: GridShape? = nil) throws -> KPointLayout {
        if let grid {
            guard ranks % grid.count == 0 else {
                throw InputError("scalapack-grid \(grid) needs a rank count divisible by \(grid.count), running on \(ranks)")
            }
            guard ranks / grid.count <= costs.count else {
                throw InputError("scalapack-grid \(grid) on \(ranks) rank(s) makes \(ranks / grid.count) k-point pools, "
                                 + "more than the \(costs.count) irreducible k-point(s); use a grid of at least \((ranks + costs.count - 1) / max(1, costs.count)) ranks")
            }
        }
        let pools = grid.map { ranks / $0.count } ?? max(1, min(ranks, costs.count))
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
            if let grid { return grid.description }
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

    /// `costs[k]` ∝ the work of k-point k (plane waves × bands). `grid` fixes the pools' BLACS grid
    /// (`KPointLayout.plan`); 1×1 sends even a one-rank pool's dense eigenproblems through ScaLAPACK.
    public init(group: Communicator, costs: [Double], distributedThreshold: Int = 64, workStealing: Bool = true,
                grid: GridShape? = nil) throws {
        self.group = group
        self.workStealing = workStealing
        layout = try KPointLayout.plan(ranks: group.size, costs: costs, grid: grid)
        let plan = layout
        processLoads = (0..<group.size).map { r in
            let p = plan.pool(ofRank: r)
            return plan.poolKPoints[p].reduce(0.0) { $0 + costs[$1] } / Double(plan.poolRanks[p].count)
        }
        let p = layout.pool(ofRank: group.rank)
        owned = Set(layout.poolKPoints[p])
        if layout.poolRanks[p].count > 1 || grid != nil {
            let comm = try group.split(color: p, key: group.rank)
            poolOperations = ScaLAPACKPool(communicator: comm, distributedThreshold: distributedThreshold, grid: grid)
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

    /// Collective over the group.
    public func makeDensitySlabs(size: [Int]) throws -> DensitySlabs? { try SlabDensityGrid(group: group, size: size) }

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
    let shape: GridShape?
    lazy var grid = shape.map { BLACSGrid(communicator: communicator, rows: $0.rows, cols: $0.cols) }
        ?? BLACSGrid(communicator: communicator)
    /// Number of dense eigenproblems solved with ScaLAPACK (for tests and logs).
    public private(set) var distributedSolves = 0
    /// Number of eigensolver runs on row-distributed blocks whose result was gathered (`gatherRows`).
    public private(set) var rowDistributedSolves = 0

    /// On the most nearly square grid of the pool's ranks unless `grid` is given.
    public init(communicator: Communicator, distributedThreshold: Int, grid: GridShape? = nil) {
        self.communicator = communicator
        self.distributedThreshold = distributedThreshold
        shape = grid
    }

    /// Sums a matrix over the pool in place. Every element has one contributing rank, so the sum is exact.
    func assemble(_ m: inout ComplexMatrix) throws {
        let count = 2 * m.rows * m.cols
        try m.storage.withUnsafeMutableBytes { raw in
            let d = raw.bindMemory(to: Double.self)
            try communicator.allreduce(UnsafeMutableBufferPointer(rebasing: d[0..<count]))
        }
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws { try communicator.allreduce(values) }

    /// Two all-to-all transposes: every process sends each other one its rows of that one's columns,
    /// applies f to the full columns so assembled, and sends each one back its rows of the result.
    /// Each process moves (p − 1)/p of its rows of X and of f(X) and holds two n × m/p blocks besides.
    public func mapRows(_ x: ComplexMatrix, rows n: Int, _ f: (ComplexMatrix) -> ComplexMatrix) throws -> ComplexMatrix {
        let m = x.cols, mine = rowRange(of: n), cols = columnRange(of: m)
        precondition(x.rows == mine.count, "mapRows: a block of this process' rows")
        let rowsOf = (0..<size).map { rowRange(of: n, rank: $0) }, colsOf = (0..<size).map { columnRange(of: m, rank: $0) }
        // rows → columns: to process s my rows of its columns (contiguous in x); from r its rows of mine
        var full = ComplexMatrix(rows: n, cols: cols.count)
        do {
            var received = ComplexMatrix(rows: n, cols: cols.count)
            try exchange(x, counts: colsOf.map { mine.count * $0.count }, into: &received, counts: rowsOf.map { $0.count * cols.count })
            received.storage.withUnsafeBufferPointer { src in
                full.storage.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<size {
                        let base = rowsOf[r].lowerBound * cols.count, h = rowsOf[r].count
                        for j in 0..<cols.count {
                            (dst.baseAddress! + rowsOf[r].lowerBound + j * n).update(from: src.baseAddress! + base + j * h, count: h)
                        }
                    }
                }
            }
        }
        var y = cols.isEmpty ? full : f(full)
        precondition(y.rows == n && y.cols == cols.count, "mapRows: f keeps the block's shape")
        // columns → rows: to process s its rows of my columns (packed), from r my rows of its columns
        // (contiguous in the result)
        full.storage.withUnsafeMutableBufferPointer { dst in
            y.storage.withUnsafeBufferPointer { src in
                for s in 0..<size {
                    let base = rowsOf[s].lowerBound * cols.count, h = rowsOf[s].count
                    for j in 0..<cols.count {
                        (dst.baseAddress! + base + j * h).update(from: src.baseAddress! + rowsOf[s].lowerBound + j * n, count: h)
                    }
                }
            }
        }
        y = ComplexMatrix(rows: 0, cols: 0)
        var result = ComplexMatrix(rows: mine.count, cols: m)
        try exchange(full, counts: rowsOf.map { $0.count * cols.count }, into: &result, counts: colsOf.map { mine.count * $0.count })
        return result
    }

    /// MPI_Alltoallv of complex elements from `send`'s storage into `recv`'s, counts in complex elements.
    private func exchange(_ send: ComplexMatrix, counts sendCounts: [Int], into recv: inout ComplexMatrix, counts recvCounts: [Int]) throws {
        try send.storage.withUnsafeBytes { s in
            try recv.storage.withUnsafeMutableBytes { r in
                try communicator.alltoallv(s.bindMemory(to: Double.self), counts: sendCounts.map { 2 * $0 },
                                           r.bindMemory(to: Double.self), counts: recvCounts.map { 2 * $0 })
            }
        }
    }

    /// Each process' rows placed in a zero block and summed over the pool (every element has one
    /// contributing process, so the sum is exact). Counted in `rowDistributedSolves` (once per solve).
    public func gatherRows(_ x: ComplexMatrix, rows n: Int) throws -> ComplexMatrix {
        let mine = rowRange(of: n)
        var full = ComplexMatrix(rows: n, cols: x.cols)
        for j in 0..<x.cols { for i in 0..<mine.count { full[mine.lowerBound + i, j] = x[i, j] } }
        try assemble(&full)
        rowDistributedSolves += 1
        return full
    }

    public func anyProcess(_ flag: Bool) throws -> Bool {
        var v = [flag ? 1.0 : 0.0]
        try communicator.allreduce(&v, .max)
        return v[0] != 0
    }

    public func hermitianEigen(_ a: ComplexMatrix) throws -> (values: [Double], vectors: ComplexMatrix) {
        try lowestEigenpairs(order: a.rows, count: a.rows) { a[$0, $1] }
    }

    /// Below one row and column per process (n < max(rows, cols)) every process solves the
    /// problem alone with LAPACK (identical copies), since pzheevd needs a block on each.
    public func lowestEigenpairs(order n: Int, count: Int, element: (Int, Int) -> Complex64) throws -> (values: [Double], vectors: ComplexMatrix) {
        if n < max(grid.rows, grid.cols) {
            let full = try Bindings.hermitianEigen(ComplexMatrix(rows: n, cols: n) { element($0, $1) })
            return (Array(full.values.prefix(count)), full.vectors.columns(0..<count))
        }
        distributedSolves += 1
        var m = DistributedMatrix(grid: grid, n: n, blockSize: DistributedMatrix.blockSize(order: n, grid: grid))
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
