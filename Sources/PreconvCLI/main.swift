import Foundation
import Parallel

// MPI is initialised once here and finalised once below, whatever the command's outcome.
MPIRuntime.initialize()
let status = Launcher.run(Array(CommandLine.arguments.dropFirst()), world: Communicator.world)
MPIRuntime.finalize()
exit(status)
