import Foundation
import Input
import Convergence
import PlaneWave

/// `summary.csv` (one row per point, units in the column names) and `summary.json` of a run or of
/// runs merged by `collect`. The CSV gives the pressure and the largest force (its atom 1-based, in
/// the structure's order); the JSON every record whole (forces and stress tensor included).
public struct ScanSummary: Codable, Sendable {
    public var name: String
    public var runDirectories: [String]
    public var physics: PhysicsIdentity?
    public var choices: StageChoices?
    public var decisions: [StageDecision]
    public var warnings: [String]
    public var counts: [String: Int]
    public var points: [PointRecord]

    public init(name: String, runDirectories: [String], physics: PhysicsIdentity?, choices: StageChoices?,
                decisions: [StageDecision], warnings: [String], points: [PointRecord]) {
        self.name = name; self.runDirectories = runDirectories; self.physics = physics; self.choices = choices
        self.decisions = decisions; self.warnings = warnings
        // a metal has no gap, also in records journalled before the metallic flag (gap ≤ 0 there)
        self.points = ScanSummary.sorted(points).map { p in
            var p = p
            if p.isMetallic { p.metallic = true; p.gap_Ha = nil }
            return p
        }
        var c: [String: Int] = [:]
        for p in points { c[p.status.rawValue, default: 0] += 1 }
        counts = c
    }

    static let stageOrder = ["cutoff", "kmesh", "lattice", "grid"]

    /// Stage order, then cutoff, mesh size, lattice constant, id.
    public static func sorted(_ points: [PointRecord]) -> [PointRecord] {
        points.sorted { a, b in
            let sa = stageOrder.firstIndex(of: a.stage) ?? stageOrder.count, sb = stageOrder.firstIndex(of: b.stage) ?? stageOrder.count
            if sa != sb { return sa < sb }
            if a.stage != b.stage { return a.stage < b.stage }
            if a.ecut_Ha != b.ecut_Ha { return a.ecut_Ha < b.ecut_Ha }
            let ka = a.kmesh.reduce(1, *), kb = b.kmesh.reduce(1, *)
            if ka != kb { return ka < kb }
            if a.lattice_constant_angstrom != b.lattice_constant_angstrom { return a.lattice_constant_angstrom < b.lattice_constant_angstrom }
            return a.id < b.id
        }
    }

    public static let csvColumns = [
        "id", "stage", "status", "ecut_Ha", "kmesh", "kshift", "lattice_constant_angstrom", "volume_bohr3", "atoms",
        "free_energy_Ha", "internal_energy_Ha", "free_energy_per_atom_eV", "fermi_level_Ha", "gap_Ha", "metallic",
        "pressure_GPa", "max_force_Ha_per_bohr", "max_force_atom", "total_magnetization_muB", "absolute_magnetization_muB",
        "atomic_moments_muB", "sphere_radii_bohr", "n_irreducible_k", "scf_iterations", "wall_time_s", "ranks", "peak_memory_MiB", "host", "warm_start_from",
        "finished_at", "error",
    ]

    public var csv: String {
        func q(_ s: String) -> String {
            s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func n(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        func i(_ x: Int?) -> String { x.map(String.init) ?? "" }
        var lines = [Self.csvColumns.joined(separator: ",")]
        for p in points {
            let row: [String] = [
                p.id, p.stage, p.status.rawValue, n(p.ecut_Ha), p.kmesh.map(String.init).joined(separator: "x"),
                p.kshift.map(String.init).joined(separator: " "), n(p.lattice_constant_angstrom), n(p.volume_bohr3), "\(p.atoms)",
                n(p.free_energy_Ha), n(p.internal_energy_Ha), n(p.free_energy_per_atom_eV), n(p.fermi_level_Ha), n(p.reportedGap_Ha),
                p.metallic.map { "\($0)" } ?? (p.isMetallic ? "true" : ""),
                n(p.pressure_GPa), n(p.largestForce?.magnitude), i(p.largestForce.map { $0.atom + 1 }),
                n(p.total_magnetization_muB), n(p.absolute_magnetization_muB),
                p.atomic_moments_muB.map { $0.map { "\($0)" }.joined(separator: " ") } ?? "",
                p.sphere_radii_bohr.map { $0.map { "\($0)" }.joined(separator: " ") } ?? "",
                i(p.n_irreducible_k), i(p.scf_iterations), String(format: "%.3f", p.wall_time_s), "\(p.ranks)",
                p.peak_memory_MiB.map { String(format: "%.1f", $0) } ?? "", p.host, p.warm_start_from ?? "",
                p.finished_at, p.error ?? "",
            ]
            lines.append(row.map(q).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() throws -> Data {
        try JSONCoding.encoder(pretty: true).encode(self)
    }

    /// Writes `csvPath` and the JSON beside it (same name, `.json`).
    public func write(csvPath: String) throws {
        try writeAtomically(Data(csv.utf8), to: csvPath)
        try writeAtomically(try json(), to: Self.jsonPath(forCSV: csvPath))
    }

    public static func jsonPath(forCSV path: String) -> String {
        (path.hasSuffix(".csv") ? String(path.dropLast(4)) : path) + ".json"
    }
}

/// `preconv-mpi collect`: merges run directories (whole runs, shards, reruns).
public enum ScanCollect {
    public struct Merged {
        public var summary: ScanSummary
        public var problems: [String]
    }

    /// The latest good record of every point wins: a converged record over a failed one, then the later one.
    public static func merge(_ records: [PointRecord]) -> [PointRecord] {
        var best: [String: PointRecord] = [:]
        for r in records {
            guard let b = best[r.id] else { best[r.id] = r; continue }
            let rGood = r.status == .converged, bGood = b.status == .converged
            if rGood != bGood { if rGood { best[r.id] = r }; continue }
            if r.finished_at >= b.finished_at { best[r.id] = r }
        }
        return Array(best.values)
    }

    /// Reads and merges `directories`; throws `RunError` for unreadable or incompatible runs.
    public static func collect(_ directories: [String]) throws -> Merged {
        var physics: (PhysicsIdentity, String)? = nil
        var records: [PointRecord] = []
        var problems: [String] = []
        var names: [String] = []
        var decisions: [StageDecision] = []
        var choices: StageChoices? = nil
        var warnings: [String] = []
        for d in directories {
            let dir = RunDirectory(d)
            guard let meta = try RunMetadata.load(path: dir.metadata) else {
                throw RunError("\(d) is not a run directory (no metadata.json)")
            }
            if let (p, first) = physics {
                let diff = meta.physics.differences(from: p)
                if !diff.isEmpty {
                    throw RunError("cannot merge \(d) with \(first): different \(diff.joined(separator: "; "))")
                }
            } else {
                physics = (meta.physics, d)
            }
            if !names.contains(meta.name) { names.append(meta.name) }
            let (r, pr) = Journal.read(path: dir.journal)
            records += r
            problems += pr.map { "\(d): \($0)" }
            if case let .success(state)? = RunState.load(path: dir.state), directories.count == 1 || state.shard == nil {
                decisions += state.stages.compactMap(\.decision)
                choices = choices ?? state.choices
                warnings += state.warnings
            }
        }
        let merged = merge(records)
        let summary = ScanSummary(name: names.joined(separator: "+"), runDirectories: directories, physics: physics?.0,
                                  choices: directories.count == 1 ? choices : nil,
                                  decisions: directories.count == 1 ? decisions : [], warnings: warnings + problems, points: merged)
        return Merged(summary: summary, problems: problems)
    }
}

/// `preconv-mpi status`: a summary of a running or finished run from its files.
public enum ScanStatus {
    public static func text(directory d: String) throws -> String {
        let dir = RunDirectory(d)
        guard let meta = try RunMetadata.load(path: dir.metadata) else {
            throw RunError("\(d) is not a run directory (no metadata.json)")
        }
        let running = RunLock.isHeld(path: dir.lock)
        let (records, problems) = Journal.read(path: dir.journal)
        let latest = Journal.latest(records)
        var lines: [String] = []
        let state = RunState.load(path: dir.state)
        var finished = false
        if case let .success(s)? = state { finished = s.finished }
        let notConverged = latest.values.filter { $0.status != .converged }.count
        let outcome = running ? "RUNNING" : !finished ? "stopped (resumable)" : notConverged == 0 ? "finished"
            : "FAILED (partial: \(notConverged) of \(latest.count) point(s) not converged; 'preconv-mpi rerun --failed' recomputes them)"
        lines.append("\(meta.name) (\(meta.mode)): \(outcome) — \(d)")
        if let inv = meta.invocations.last {
            lines.append("  last started \(inv.started) on \(inv.ranks) rank(s), \(inv.environment["host"] ?? "?")\(inv.shard.map { ", shard \($0)" } ?? "")")
        }
        let counts = Dictionary(grouping: latest.values, by: \.status).mapValues(\.count)
        let countText = PointRecord.Status.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
        lines.append("  \(latest.count) point(s) recorded\(countText.isEmpty ? "" : ": " + countText)")
        switch state {
        case let .success(s)?:
            for st in s.stages {
                let c = Dictionary(grouping: st.points.values, by: { $0 }).mapValues(\.count)
                let parts = c.keys.sorted().map { "\(c[$0]!) \($0)" }.joined(separator: ", ")
                lines.append("  stage \(st.name): \(st.order.count) point(s) — \(parts)\(st.decision.map { " → \($0.summary)" } ?? "")")
            }
            for w in s.warnings { lines.append("  warning: \(w)") }
        case let .failure(e)?:
            lines.append("  checkpoint: \(e) (the next run rebuilds it)")
        case nil:
            lines.append("  no checkpoint yet")
        }
        for p in problems { lines.append("  \(p): will be recomputed") }
        let failedPoints = latest.values.filter { $0.status != .converged }.sorted { $0.id < $1.id }
        for f in failedPoints { lines.append("  \(f.status.rawValue): \(f.id) — \(f.error ?? "")") }
        if let f = latest.values.filter({ RunAnalysis.nonScanStages.contains($0.stage) }).max(by: { $0.finished_at < $1.finished_at }) {
            lines.append("  final point: \(f.id) \(f.status.rawValue)" + (f.free_energy_Ha.map { String(format: ", F = %.10f Ha", $0) } ?? ""))
        }
        if FileManager.default.fileExists(atPath: dir.report) { lines.append("  report: \(dir.report)") }
        let its = latest.values.compactMap(\.scf_iterations).reduce(0, +)
        let wall = latest.values.map(\.wall_time_s).reduce(0, +)
        lines.append(String(format: "  total %d SCF iterations, %.1f s of point wall time", its, wall))
        if let last = records.last {
            lines.append("  last finished: \(last.id) (\(last.status.rawValue)) at \(last.finished_at)")
        }
        return lines.joined(separator: "\n")
    }
}
