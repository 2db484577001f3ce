import Bindings
import ArgumentParser
import Foundation
import Parallel
import Scan
import Slurm
import Doctor
import Reporting
import RunStore
import Convergence
import Input
import ParallelSCF

/// `preconv-mpi rerun --failed <run-dir>`: recomputes the points of a run that failed, then goes on as `run`.
struct RerunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Recompute the failed (or selected) points of a run directory.",
        discussion: "Uses the run's config (config.yaml in the run directory) unless --config gives a fixed one; the "
            + "structure, pseudopotentials, functional and smearing must stay the same. Every other finished point is kept. "
            + "Exit status: 0 every point converged, 1 some point still failed, 2 bad input.")

    @Argument(help: "The run directory.")
    var runDirectory: String

    @Flag(help: "Recompute every point that failed, did not converge, timed out or was interrupted.")
    var failed = false

    @Option(help: ArgumentHelp("Recompute the points with these statuses (comma-separated: failed, unconverged, timeout, interrupted).", valueName: "list"))
    var status: String?

    @Option(help: "A corrected config to use instead of the run's own.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config field (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(name: .customLong("no-doctor"), help: "Skip the doctor's quick checks.")
    var noDoctor = false

    @Flag(help: "Also print the log's info lines on stderr.")
    var verbose = false

    @Flag(help: "Start even points whose estimated memory or time exceeds resources.memory_limit or their timeout.")
    var force = false

    func validate() throws {
        if !failed && status == nil { throw ValidationError("give --failed or --status LIST") }
        if failed && status != nil { throw ValidationError("give --failed or --status, not both") }
    }

    func run() throws {
        var statuses: Set<PointRecord.Status> = [.failed, .unconverged, .timeout, .interrupted]
        if let status {
            statuses = []
            for s in status.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !s.isEmpty {
                guard let st = PointRecord.Status(rawValue: s), st != .converged else {
                    throw InputError("--status '\(s)' is not one of failed, unconverged, timeout, interrupted")
                }
                statuses.insert(st)
            }
            if statuses.isEmpty { throw InputError("--status needs at least one status") }
        }
        let dir = RunDirectory(URL(fileURLWithPath: runDirectory).standardizedFileURL.path)
        guard let meta = try? RunMetadata.load(path: dir.metadata) else {
            throw InputError("\(runDirectory) is not a run directory (no readable metadata.json)")
        }
        // a shard directory lives in <output.directory>/shard-I-of-N
        let shard = meta.invocations.last?.shard
        let output = shard == nil ? dir.path : (dir.path as NSString).deletingLastPathComponent
        var options = ScanRunner.Options()
        options.rerunStatuses = statuses
        options.doctor = !noDoctor
        options.stderrLevel = verbose ? .info : .notice
        let sets = overrides + ["output.directory=\(output)"]
        if let config {
            try ScanCLI.run(configPath: config, overrides: sets, shard: shard, options: options, force: force)
        } else {
            try ScanCLI.run(configPath: dir.config, overrides: sets, shard: shard, options: options,
                            baseDirectory: meta.configBaseDirectory, force: force)
        }
    }
}
