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

/// `preconv-mpi status <run-dir>`: what a running or finished run has done, from its files.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarise a running or finished run from its journal and checkpoint.",
        discussion: "Exit status: 0, or 2 when the directory holds no run.")

    @Argument(help: "The run directory.")
    var runDirectory: String

    func run() throws {
        let world = Communicator.world
        guard world.isRoot else { return }
        do {
            Console(world: world).print(try ScanStatus.text(directory: runDirectory))
        } catch let e as RunError {
            throw InputError(e.message)
        }
    }
}
