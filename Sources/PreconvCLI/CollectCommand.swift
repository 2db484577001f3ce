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

/// `preconv-mpi collect`: merges run directories and shards into one summary.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Merge run directories (runs, shards, reruns) into summary.csv and summary.json.",
        discussion: "The latest good record of each point wins. Runs with a different structure, pseudopotentials, "
            + "functional or smearing are refused. Exit status: 0 merged, 2 bad input or incompatible runs.")

    @Argument(help: "Run directories (e.g. runs/gaas/shard-*).")
    var runDirectories: [String]

    @Option(name: .shortAndLong, help: "The CSV to write; the JSON goes beside it (.json).")
    var output = "summary.csv"

    func validate() throws {
        if runDirectories.isEmpty { throw ValidationError("give at least one run directory") }
    }

    func run() throws {
        let world = Communicator.world
        guard world.isRoot else { return }
        let console = Console(world: world)
        let merged: ScanCollect.Merged
        do {
            merged = try ScanCollect.collect(runDirectories)
        } catch let e as RunError {
            throw InputError(e.message)
        }
        for p in merged.problems { console.error("warning: \(p): ignored") }
        do {
            try merged.summary.write(csvPath: output)
        } catch {
            throw InputError("cannot write \(output): \(error)")
        }
        let c = merged.summary.counts.keys.sorted().map { "\(merged.summary.counts[$0]!) \($0)" }.joined(separator: ", ")
        console.print("\(merged.summary.points.count) point(s) from \(runDirectories.count) run(s) (\(c)) → \(output), \(ScanSummary.jsonPath(forCSV: output))")
    }
}
