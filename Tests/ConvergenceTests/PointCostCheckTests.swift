import Foundation
import Testing
import PlaneWave
import TestSupport
import Input
@testable import Convergence

/// The cost model's estimates and the check that refuses points before any work starts.
@Suite struct PointCostCheckTests {
    /// The shipped scans fit their own limits: the examples on 2 ranks of one node, the HPC list on
    /// 32 ranks, 16 a node.
    @Test(arguments: [("gaas-fast.yaml", 2, 2), ("gaas-dojo.yaml", 2, 2), ("gaas-production.yaml", 2, 2), ("gaas-hpc.yaml", 32, 16)])
    func shippedScansFit(name: String, ranks: Int, perNode: Int) throws {
        let refusals = try PointCostCheck.refusals(config: try preset(name), ranks: ranks, ranksPerNode: perNode)
        #expect(refusals.isEmpty, "\(refusals)")
    }

    /// 64 MiB over 2 ranks leaves 32 MiB a rank, below the model's base: every planned point is refused,
    /// each once, with its id, estimate and limit.
    @Test func memoryLimitRefusesEveryPoint() throws {
        let config = try preset("gaas-fast.yaml", ["resources.memory_limit=64MiB"])
        let refusals = try PointCostCheck.refusals(config: config, ranks: 2, ranksPerNode: 2)
        let planned = Set(try ScanPlanner(config: config).plannedStages().flatMap { $0 }.map(\.key))
        #expect(refusals.count == planned.count)
        for r in refusals {
            #expect(r.description.contains(r.pointID) && r.description.contains("resources.memory_limit")
                    && r.description.contains("32.0 MiB") && r.description.contains("per rank"), "\(r)")
        }
        // one rank per node has all 64 MiB: the smaller cutoffs fit, the 16 Ha grid does not
        let alone = try PointCostCheck.refusals(config: config, ranks: 1, ranksPerNode: 1)
        #expect(!alone.isEmpty && alone.count < refusals.count && alone.allSatisfy { $0.pointID.contains("ecut=16Ha") }, "\(alone)")
    }

    /// A timeout below a point's estimated time refuses exactly the points whose estimate exceeds it,
    /// on the largest group the runner could give them.
    @Test func timeoutRefusesTheSlowPoints() throws {
        let limit = 1.0
        let config = try preset("gaas-fast.yaml", ["resources.timeout=\(limit) s"])
        let refusals = try PointCostCheck.refusals(config: config, ranks: 1, ranksPerNode: 1)
        let stages = try ScanPlanner(config: config).plannedStages()
        var seen = Set<String>()
        let slow = stages.flatMap { $0 }.filter { seen.insert($0.key).inserted }
            .filter { ScanCostModel.seconds(cost: $0.cost, groupSize: 1) > limit }.map(\.id)
        #expect(!slow.isEmpty && slow.count < seen.count, "the limit must split the points: \(slow)")
        #expect(refusals.map(\.pointID) == slow)
        #expect(refusals.allSatisfy { $0.description.contains("timeout of 1.0 s") }, "\(refusals)")
    }

    /// The memory model: base + grid + per held k-point, k-points shared over a group's ranks.
    @Test func memoryModel() throws {
        let config = try preset("gaas-fast.yaml").base
        let s = ScanCostModel.size(config: config, ecut: 16, kmesh: [4, 4, 4], a: nil)
        #expect(s.irreducibleK == 8 && s.bands == 10)
        // Ω (2 E)^{3/2} / 6π² with the GaAs primitive cell
        let a = 5.653 * Units.angstrom
        #expect(abs(s.planeWaves - a * a * a / 4 * pow(32, 1.5) / (6 * Double.pi * Double.pi)) < 1e-9)
        let one = ScanCostModel.memoryPerRankMiB(s, groupSize: 1), three = ScanCostModel.memoryPerRankMiB(s, groupSize: 3)
        let perK = 16 * s.planeWaves * Double(2 * s.bands + 16) / 1_048_576
        #expect(abs((one - three) - 5 * perK) < 1e-9, "8 k-points on one rank against 3 on each of three")
        #expect(abs(one - ScanCostModel.baseMiB - ScanCostModel.bytesPerGridPoint * s.gridPoints / 1_048_576 - 8 * perK) < 1e-9)
    }
}
