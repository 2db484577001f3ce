import ArgumentParser
import Foundation
import Parallel
import Workflow

/// `preconv-mpi report <run-dir>`: regenerates report.html (and recommended.json, the ABINIT and QE
/// snippets, analysis.json) from the run directory's records and analysis, without computing.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Regenerate report.html, recommended.json and the ABINIT/QE snippets of a run directory.",
        discussion: "Reads the point records (summary.json, written by 'collect', else journal.jsonl or the journals of "
            + "shard subdirectories) and analysis.json (bands, DOS, final point; written at the end of 'run'), redoes "
            + "the convergence decisions and the equation-of-state fit and rewrites the page. Nothing is computed: "
            + "it runs on one rank. Exit status: 0 written, 1 a file could not be written, 2 no run directory or no records.")

    @Argument(help: "The run directory (or a directory of collected shards holding summary.json).")
    var runDirectory: String

    func run() throws {
        let world = Communicator.world
        let console = Console(world: world)
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
