import Foundation
import Convergence
import Input
import PlaneWave

/// Wall time and memory of a scan on a Slurm allocation, from the scan's cost model
/// (`ScanCostModel`: irreducible k × bands × N log N per point), conservatively.
///
/// - time: every point's single-rank time is `cost × secondsPerCost` (`secondsPerCost` is calibrated on
///   cold-started GaAs points with room for tighter tolerances: README, Slurm), divided by the size of the group that computes
///   it at a parallel efficiency of `efficiency`; the points of a stage are scheduled largest first
///   onto the groups the runner would form (as its dispatcher does), the stages one after another;
///   then `safety` × that + `startup`, rounded up to whole minutes, at least one minute.
/// - memory: per rank the cost model's peak (`ScanCostModel.memoryPerRankMiB`) of the largest point as if
///   it ran on one rank; per node × ranks per node × `safety`.
///
/// Staged scans are planned as if the cutoff stage chose its highest cutoff and the k-mesh stage
/// its densest mesh (the later stages' points are then the most expensive they can be).
public struct SlurmEstimate: Sendable {
    public static let secondsPerCost = 1.5e-5
    public static let efficiency = 0.6
    public static let safety = 2.0
    public static let startup = 30.0

    /// Points in the estimate (after removing those planned twice).
    public var points: Int
    /// Estimated wall time without the safety factor (s).
    public var seconds: Double
    /// The time limit to ask for (s): safety and startup included, whole minutes, ≥ 60.
    public var limitSeconds: Int
    /// Longest single SCF iteration expected (s): how long a stop takes at most.
    public var iterationSeconds: Double
    /// Peak memory per rank of the largest point (MiB).
    public var memoryPerRankMiB: Double
    /// Memory to ask for per node (MiB).
    public var memoryPerNodeMiB: Int

    /// Typical SCF iterations of a cold-started point (for the time of one iteration).
    static let iterationsPerPoint = 12.0

    /// The estimate for `points` computed on `ranks` ranks, `ranksPerNode` of them per node.
    public static func estimate(stages: [[ScanPoint]], ranks: Int, ranksPerNode: Int, ranksPerPoint: Int?,
                                config: Config) -> SlurmEstimate {
        var wall = 0.0
        var iteration = 0.0
        var seen = Set<String>()
        var count = 0
        var largest: ScanPoint? = nil
        for stagePoints in stages {
            let points = stagePoints.filter { seen.insert($0.key).inserted }
            guard !points.isEmpty else { continue }
            count += points.count
            let groups = ScanCostModel.groupSizes(ranks: ranks, points: points, ranksPerPoint: ranksPerPoint)
            var load = [Double](repeating: 0, count: groups.count)
            for p in points.sorted(by: { $0.cost > $1.cost }) {
                let g = load.indices.min { load[$0] < load[$1] }!
                let t = time(of: p, groupSize: groups[g])
                load[g] += t
                iteration = max(iteration, t / iterationsPerPoint)
            }
            wall += load.max() ?? 0
            for p in points where largest == nil || p.cost > largest!.cost { largest = p }
        }
        let limit = max(60, Int((ceil((safety * wall + startup) / 60)) * 60))
        let perRank = largest.map { memory(of: $0, config: config) } ?? ScanCostModel.baseMiB
        let perNode = Int(ceil(perRank * Double(ranksPerNode) * safety / 100) * 100)
        return SlurmEstimate(points: count, seconds: wall, limitSeconds: limit, iterationSeconds: iteration,
                             memoryPerRankMiB: perRank, memoryPerNodeMiB: max(perNode, 500))
    }

    /// Seconds of a point on a group of `groupSize` ranks.
    static func time(of p: ScanPoint, groupSize: Int) -> Double {
        let single = p.cost * secondsPerCost
        return groupSize <= 1 ? single : single / (Double(groupSize) * efficiency)
    }

    /// Peak MiB of a point computed on one rank (the cost model's, as if no group shared its k-points).
    static func memory(of p: ScanPoint, config: Config) -> Double {
        ScanCostModel.memoryPerRankMiB(ScanCostModel.size(config: config, ecut: p.ecut, kmesh: p.kmesh, a: p.a), groupSize: 1)
    }

    /// "4 points, about 2 min on 8 ranks (limit 5 min), 300 MiB per rank"
    public func summary(ranks: Int) -> String {
        String(format: "%d point(s), about %@ of computing on %d rank(s) → time limit %@; peak about %.0f MiB per rank → %d MiB per node",
               points, SlurmTime.text(seconds: seconds), ranks, SlurmTime.text(seconds: Double(limitSeconds)),
               memoryPerRankMiB, memoryPerNodeMiB)
    }
}

/// Slurm time limits: parsing (`minutes`, `minutes:seconds`, `hours:minutes:seconds`, `days-hours`,
/// `days-hours:minutes`, `days-hours:minutes:seconds`) and formatting.
public enum SlurmTime {
    /// Seconds of a Slurm time specification, nil if it is not one.
    public static func seconds(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "-") }) else { return nil }
        var days = 0
        var rest = Substring(t)
        if let dash = t.firstIndex(of: "-") {
            guard let d = Int(t[..<dash]) else { return nil }
            days = d
            rest = t[t.index(after: dash)...]
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
            let p = parts.map { $0! } + [0, 0]
            return ((days * 24 + p[0]) * 60 + p[1]) * 60 + p[2]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let p = parts.map { $0! }
        switch p.count {
        case 1: return p[0] * 60
        case 2: return p[0] * 60 + p[1]
        default: return (p[0] * 60 + p[1]) * 60 + p[2]
        }
    }

    /// `D-HH:MM:SS` or `HH:MM:SS`.
    public static func format(seconds s: Int) -> String {
        let d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60
        let hms = String(format: "%02d:%02d:%02d", h, m, sec)
        return d > 0 ? "\(d)-\(hms)" : hms
    }

    /// "40 s", "12 min", "3.5 h".
    public static func text(seconds s: Double) -> String { WallTime.text(seconds: s) }
}
