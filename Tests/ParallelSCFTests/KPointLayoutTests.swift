import Bindings
import Testing
import Parallel
@testable import ParallelSCF

/// The k-point pools of one SCF: cost balance, and the pools an explicit BLACS grid makes.
@Suite struct KPointLayoutTests {
    /// 8 k-points with costs 8, 7, …, 1 (plane waves × bands).
    let costs = (1...8).reversed().map(Double.init)

    @Test func defaultPoolsAreOnePerRankBalancedByCost() throws {
        let l = try KPointLayout.plan(ranks: 3, costs: costs)
        #expect(l.poolRanks == [[0], [1], [2]] && l.blacsGrids == ["1x1", "1x1", "1x1"])
        let loads = l.poolKPoints.map { $0.reduce(0.0) { $0 + costs[$1] } }
        // largest cost first to the least loaded pool (ties: lower index): 8+3+2, 7+4+1, 6+5
        #expect(loads == [13, 12, 11], "loads \(loads)")
        #expect(try KPointLayout.plan(ranks: 6, costs: [3, 1]).blacsGrids == ["1x3", "1x3"])
    }

    @Test func gridFixesThePoolSize() throws {
        let l = try KPointLayout.plan(ranks: 4, costs: costs, grid: GridShape(rows: 1, cols: 2))
        #expect(l.poolRanks == [[0, 1], [2, 3]] && l.blacsGrids == ["1x2", "1x2"])
        #expect(l.poolKPoints.flatMap { $0 }.sorted() == Array(0..<8))
        #expect(try KPointLayout.plan(ranks: 4, costs: costs, grid: GridShape(rows: 2, cols: 2)).poolRanks == [[0, 1, 2, 3]])
    }

    @Test(arguments: [(3, 8, "needs a rank count divisible by 2, running on 3"),
                      (4, 1, "makes 2 k-point pools, more than the 1 irreducible")])
    func badGridsAreInputErrors(ranks: Int, kpoints: Int, message: String) {
        #expect {
            try KPointLayout.plan(ranks: ranks, costs: Array(costs.prefix(kpoints)), grid: GridShape(rows: 2, cols: 1))
        } throws: { ($0 as? InputError)?.message.contains(message) == true }
    }
}
