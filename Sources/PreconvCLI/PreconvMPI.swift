import ArgumentParser
import Input

/// The root command. Subcommands are listed here, one file each.
struct PreconvMPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preconv-mpi",
        abstract: "Pre-converge plane-wave DFT parameters (cutoff, k-mesh, smearing, lattice constant) under MPI.",
        version: Program.version,
        subcommands: [DoctorCommand.self, SCFCommand.self, RunCommand.self, RerunCommand.self,
                      CollectCommand.self, StatusCommand.self, ReportCommand.self, SlurmCommand.self])
}
