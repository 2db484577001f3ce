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

/// `preconv-mpi status <run-dir>`: what a running or finished run has done, from its files; with
/// `--watch`, then its events (`events.jsonl`) as they come.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarise a running or finished run from its journal and checkpoint.",
        discussion: "With --watch, follows the run's events.jsonl live (points with their ETA, stage decisions, alerts) "
            + "until the run finishes. Exit status: 0; 1 with --watch when the run stopped without finishing (no process "
            + "holds its lock and its last event is not run_finished); 2 when the directory holds no run.")

    @Argument(help: "The run directory.")
    var runDirectory: String

    @Flag(help: "Follow the run live until it finishes: each new event of events.jsonl as one line.")
    var watch = false

    @Option(help: "With --watch: seconds between looks at the event file.")
    var interval: Double = 2

    func validate() throws {
        guard interval > 0, interval <= 3600 else { throw ValidationError("--interval \(interval): must be in (0, 3600] s") }
    }

    func run() throws {
        let world = Communicator.world
        guard world.isRoot else { return }
        let console = Console(world: world)
        do {
            console.print(try ScanStatus.text(directory: runDirectory))
        } catch let e as RunError {
            throw InputError(e.message)
        }
        guard watch else { return }
        let dir = RunDirectory(runDirectory)
        var (events, offset) = EventLog.read(path: dir.events)
        // the recent past, then what comes
        for e in events.suffix(5) { console.print(e.text) }
        var last = events.last
        var quietLooks = 0
        while true {
            if last?.kind == .run_finished, !RunLock.isHeld(path: dir.lock) { return }
            if !RunLock.isHeld(path: dir.lock) {
                // no process: allow one more look for events written just before it ended
                quietLooks += 1
                if quietLooks > 1 {
                    console.print("the run is not running (no process holds \(dir.lock)) and did not finish; "
                                  + "run the same command again to resume it")
                    throw ExitCode(1)
                }
            } else {
                quietLooks = 0
            }
            Thread.sleep(forTimeInterval: interval)
            (events, offset) = EventLog.read(path: dir.events, from: offset)
            for e in events { console.print(e.text) }
            if let e = events.last { last = e }
        }
    }
}
