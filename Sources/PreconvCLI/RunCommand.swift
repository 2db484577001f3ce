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

/// `preconv-mpi run`: a staged (or grid) convergence scan distributed over every rank of mpirun.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a convergence scan (cutoff → k-mesh → lattice constant, or a grid) from a config file.",
        discussion: "Rank 0 keeps the run directory (output.directory): journal.jsonl (one checksummed record per point), "
            + "state.json (checkpoint), metadata.json, preconv.log, summary.csv/summary.json. At the end of a staged scan "
            + "whose points all converged, the final point at the recommended cutoff, mesh and a0 is computed on all ranks "
            + "(journalled as stage 'final'), then its bands and DOS, and report.html, recommended.json, analysis.json, "
            + "bands.csv, dos.csv and the ABINIT/QE snippets are written (grid scans: without a final point; shards: no analysis). "
            + "Running it again on the same directory resumes; finished points (the final point included) are never recomputed. "
            + "SIGUSR1 or SIGTERM stop it cleanly: no new point starts, running points are recorded as interrupted, the "
            + "checkpoint is written. Exit status: 0 every point converged, 1 some point failed, did not converge or timed out, "
            + "2 bad input, 3 stopped by a signal (resumable); 1 also when the final point does not converge or the analysis fails.")

    @Argument(help: "The scan config (e.g. config/gaas-fast.yaml).")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config field, e.g. --set output.directory=/scratch/run1 or --set stages.kmesh.values=[2,4,6] (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Start over in an existing run directory (its journal is deleted).")
    var fresh = false

    @Option(help: ArgumentHelp("Compute shard I of N (grid mode): every N-th point, in <output.directory>/shard-I-of-N.", valueName: "I/N"))
    var shard: String?

    @Flag(name: .customLong("no-warm-start"), help: "Start every SCF from atomic densities (for benchmarks).")
    var noWarmStart = false

    @Flag(name: .customLong("no-doctor"), help: "Skip the doctor's quick checks.")
    var noDoctor = false

    @Flag(help: "Also print the log's info lines on stderr.")
    var verbose = false

    @Flag(help: "Start even points whose estimated memory or time exceeds resources.memory_limit or their timeout.")
    var force = false

    func run() throws {
        var options = ScanRunner.Options()
        options.fresh = fresh
        options.warmStart = !noWarmStart
        options.doctor = !noDoctor
        options.stderrLevel = verbose ? .info : .notice
        try ScanCLI.run(configPath: config, overrides: overrides, shard: shard, options: options, force: force)
    }
}

/// Shared by `run` and `rerun`.
enum ScanCLI {
    static func loadConfig(path: String, overrides: [String], console: Console, baseDirectory: String? = nil) throws -> ScanConfig {
        do {
            if let baseDirectory {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw InputError("cannot read \(path): \(error.localizedDescription)")
                }
                return try ScanConfig.parse(yaml: text, file: path, baseDirectory: baseDirectory, overrides: overrides)
            }
            return try ScanConfig.load(path: path, overrides: overrides)
        } catch let e as ScanConfigErrors {
            for line in e.errors { console.error("error: \(line)") }
            throw ExitCode(2)
        }
    }

    static func parseShard(_ text: String?, mode: ScanConfig.Mode) throws -> [Int]? {
        guard let text else { return nil }
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 1, i <= n else {
            throw InputError("--shard '\(text)': expected I/N with 1 ≤ I ≤ N (e.g. 2/8)")
        }
        guard mode == .grid else {
            throw InputError("--shard needs stages.mode: grid (the stages of a staged scan depend on each other)")
        }
        return [i, n]
    }

    static func run(configPath: String, overrides: [String], shard: String?, options: ScanRunner.Options,
                    baseDirectory: String? = nil, force: Bool) throws {
        let world = Communicator.world
        let console = Console(world: world)
        let cfg = try loadConfig(path: configPath, overrides: overrides, console: console, baseDirectory: baseDirectory)
        var options = options
        options.shard = try parseShard(shard, mode: cfg.mode)
        try refuseCostlyPoints(cfg, world: world, console: console, force: force)
        let code: Int32
        do {
            // SIGUSR1 (Slurm's warning before the time limit) and SIGTERM stop the run cleanly (exit 3)
            let stop = StopFlag()
            StopSignals.install(stop, announce: world.rank == 0)
            code = try ScanRunner(config: cfg, world: world, options: options, stop: stop).run()
        } catch let e as RunError {
            console.error("error: \(e)")
            throw ExitCode(1)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// The cost check before any work (`PointCostCheck`): every rank decides alike (the fullest node's
    /// rank count), rank 0 prints one line per refused point, and all exit with status 2; with `force`
    /// the lines are warnings and the run starts.
    static func refuseCostlyPoints(_ cfg: ScanConfig, world: Communicator, console: Console, force: Bool) throws {
        let perNode = try NodeLayout(comm: world).nodes.map(\.ranks).max() ?? 1
        let refusals = try PointCostCheck.refusals(config: cfg, ranks: world.size, ranksPerNode: perNode)
        guard !refusals.isEmpty else { return }
        if force {
            for r in refusals { console.error("warning: \(r); starting anyway (--force)") }
            return
        }
        for r in refusals { console.error("error: \(r); nothing was computed (--force starts it anyway)") }
        throw ExitCode(2)
    }
}
