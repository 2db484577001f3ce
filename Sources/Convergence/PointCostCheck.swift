import Foundation
import Input

/// The cost check before any work starts: every planned point's central estimate (`ScanCostModel`)
/// against the run's limits. A point whose peak memory per rank exceeds its rank's share of
/// `resources.memory_limit` (the limit over the ranks on a node), or whose time exceeds its timeout
/// (`resources.timeout` or its `point_overrides`), on the largest group the runner could give it, cannot
/// fit; the run refuses it before starting, unless the user forces it.
public enum PointCostCheck {
    /// One point that cannot fit: `description` names the point, the estimate and the limit.
    public struct Refusal: Sendable, CustomStringConvertible {
        public var pointID: String
        public var description: String
    }

    /// The refusals of a scan on `ranks` ranks, `ranksPerNode` of them per node (planned as for the
    /// Slurm estimate: staged scans with their most expensive later choices).
    public static func refusals(config: ScanConfig, ranks: Int, ranksPerNode: Int) throws -> [Refusal] {
        let planner = ScanPlanner(config: config)
        let shareMiB = Double(config.resources.memoryLimit) / 1_048_576 / Double(max(1, ranksPerNode))
        var seen = Set<String>()
        var out: [Refusal] = []
        for stage in try planner.plannedStages() {
            let group = ScanCostModel.groupSizes(ranks: ranks, points: stage, ranksPerPoint: config.resources.ranksPerPoint).max() ?? 1
            for p in stage where seen.insert(p.key).inserted {
                let size = ScanCostModel.size(config: config.base, ecut: p.ecut, kmesh: p.kmesh, a: p.a)
                let memory = ScanCostModel.memoryPerRankMiB(size, groupSize: group)
                let seconds = ScanCostModel.seconds(cost: p.cost, groupSize: group)
                let timeout = planner.scfParameters(for: p).timeout
                let on = "\(group) rank\(group == 1 ? "" : "s")"
                if memory > shareMiB {
                    out.append(Refusal(pointID: p.id, description: String(
                        format: "point %@ (%@): estimated peak memory %@ per rank on %@ exceeds its share of resources.memory_limit, %@ (%@ over %d rank(s) per node)",
                        p.id, sizeText(size), mib(memory), on, mib(shareMiB), ByteCount(bytes: config.resources.memoryLimit).description, ranksPerNode)))
                }
                if seconds > timeout {
                    out.append(Refusal(pointID: p.id, description: String(
                        format: "point %@ (%@): estimated time %@ on %@ exceeds its timeout of %@ (resources.timeout or point_overrides)",
                        p.id, sizeText(size), WallTime.text(seconds: seconds), on, WallTime.text(seconds: timeout))))
                }
            }
        }
        return out
    }

    /// "72 irreducible k-points, 393012 plane waves per k-point, 10 bands, 9.8e+06 grid points"
    public static func sizeText(_ s: ScanCostModel.Size) -> String {
        String(format: "%d irreducible k-point(s), %.0f plane waves per k-point, %d bands, %.3g density-grid points",
               s.irreducibleK, s.planeWaves, s.bands, s.gridPoints)
    }

    /// "812 MiB", "14.2 GiB", "1.3 TiB"
    public static func mib(_ m: Double) -> String { ByteCount(bytes: Int64(min(m, 8e12) * 1_048_576)).description }
}
