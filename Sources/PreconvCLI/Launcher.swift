import Bindings
import ArgumentParser
import Parallel
import PlaneWave
import Scan
import Slurm
import Doctor
import Reporting
import RunStore
import Convergence
import Input
import ParallelSCF

/// Parses the command line, runs the command and turns every outcome into an exit status:
/// 0 success, 1 failure reported by the command, 2 bad usage or bad input.
enum Launcher {
    static func run(_ arguments: [String], world: Communicator) -> Int32 {
        let console = Console(world: world)
        var command: any ParsableCommand
        do {
            command = try PreconvMPI.parseAsRoot(arguments)
        } catch {
            if PreconvMPI.exitCode(for: error) == .success {   // --help, --version
                console.print(PreconvMPI.fullMessage(for: error))
                return 0
            }
            let message = PreconvMPI.message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            console.error("error: \(message) (see 'preconv-mpi --help')")
            return 2
        }
        do {
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let error as InputError {
            console.error("error: \(error)")
            return 2
        } catch where PreconvMPI.exitCode(for: error) == .validationFailure {   // ValidationError from run()
            console.error("error: \(PreconvMPI.message(for: error))")
            return 2
        } catch where PreconvMPI.exitCode(for: error) == .success {   // help for a command without run()
            console.print(PreconvMPI.fullMessage(for: error))
            return 0
        } catch {
            // unexpected: this rank may be alone in failing while the others wait in a collective
            console.error("error: \(error)", everyRank: true)
            if world.size > 1 { world.abort(1) }
            return 1
        }
    }
}
