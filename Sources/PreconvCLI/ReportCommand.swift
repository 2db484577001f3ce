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

/// `preconv-mpi report <run-dir>`: regenerates report.html (and recommended.json, the ABINIT and QE
/// snippets, analysis.json) from the run directory's records and analysis, without computing; with
/// `--compute`, first runs the end-of-run analysis (final point at a0, bands, DOS) on every rank.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Regenerate report.html, recommended.json and the ABINIT/QE snippets of a run directory.",
        discussion: "Reads the point records (summary.json, written by 'collect', else journal.jsonl or the journals of "
            + "shard subdirectories) and analysis.json (bands, DOS, final point; written at the end of 'run'), redoes "
            + "the convergence decisions and the equation-of-state fit and rewrites the page; nothing is computed. "
            + "With --compute (e.g. for collected shards, whose runs never saw every point) the final point at the "
            + "recommended parameters, its bands and DOS are computed first, on every rank, from the run's config "
            + "(<run-dir>/config.yaml unless --config). Exit status: 0 written, 1 a computation or file failed, "
            + "2 no run directory, no records or a bad config.")

    @Argument(help: "The run directory (or a directory of collected shards holding summary.json).")
    var runDirectory: String

    @Flag(help: "Compute the final point at a0, its bands and DOS (MPI) before writing.")
    var compute = false

    @Option(help: "The config of the run for --compute (default: <run-dir>/config.yaml).")
    var config: String?

    func run() throws {
        let world = Communicator.world
        let console = Console(world: world)
        if compute {
            let path = config ?? (runDirectory as NSString).appendingPathComponent("config.yaml")
            let (cfg, settings) = try RunAnalysis.loadConfig(path: path)
            let loaded = try RunRecords.load(runDirectory: runDirectory)
            guard !loaded.records.isEmpty else { throw InputError("\(runDirectory) holds no point records (summary.json, journal.jsonl)") }
            let outcome = try RunAnalysis.finish(runDirectory: runDirectory, records: loaded.records, config: cfg,
                                                 settings: settings, group: world,
                                                 provenance: ["command": CommandLine.arguments.joined(separator: " ")])
            if let f = outcome.finalRecord {
                console.print("report: final point \(f.id) \(f.status.rawValue)"
                              + (f.free_energy_Ha.map { String(format: ", F = %.10f Ha", $0) } ?? ""))
            }
            console.print("report: wrote " + outcome.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
                          + " in \(runDirectory)")
            return
        }
        // rank 0 reads and writes; the others wait for its verdict (0 written, 1 failed, 2 bad input)
        var verdict = [0.0]
        var failure: Error? = nil
        if world.isRoot {
            do {
                let files = try RunAnalysis.regenerate(runDirectory: runDirectory)
                console.print("report: wrote " + files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
                              + " in \(runDirectory)")
            } catch let e as InputError {
                failure = e
                verdict[0] = 2
            } catch {
                failure = error
                verdict[0] = 1
            }
        }
        try world.broadcast(&verdict)
        switch verdict[0] {
        case 0: return
        case 2: throw failure ?? InputError("")
        default:
            if let failure { console.error("error: \(failure)") }
            throw ExitCode(1)
        }
    }
}
