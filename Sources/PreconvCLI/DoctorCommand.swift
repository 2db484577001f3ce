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

/// `preconv-mpi doctor`: validates the environment; exit status 1 when a check FAILs.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check MPI, ScaLAPACK, FFTW, BLAS, libxc, spglib, threads, memory and disk (and a config's pseudopotentials).",
        discussion: "Every check reports PASS, WARN or FAIL with the measured value and, unless PASS, the fix. "
            + "Exit status: 0 when nothing FAILs, 1 otherwise, 2 for bad usage.")

    @Flag(help: "Print one JSON object per check and line (name, status, value, message).")
    var json = false

    @Flag(help: "Only the cheap checks a run starts with (mpi, threads, memory, disk, output-dir).")
    var quick = false

    @Option(help: "Directory the results will be written to (created if missing).")
    var outputDir = "."

    @Option(help: "Memory a run needs per node, e.g. 16GiB.", transform: ByteCount.init(parsing:))
    var memoryLimit = DoctorOptions().memoryLimit

    @Option(help: "Disk space a run needs in the output directory, e.g. 1GiB.", transform: ByteCount.init(parsing:))
    var diskLimit = DoctorOptions().diskLimit

    @Option(help: "ScaLAPACK grid for the eigensolver check, e.g. 2x2; must use every rank (default: most nearly square).",
            transform: GridShape.init(parsing:))
    var scalapackGrid: GridShape?

    @Option(help: "A one-point or scan config: check that every pseudopotential file it selects exists, parses and matches its functional.")
    var config: String?

    @Option(help: "Run only these checks, comma-separated (\(Doctor.checkNames.joined(separator: ", "))).",
            transform: { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } })
    var only: [String]?

    func validate() throws {
        let size = Communicator.world.size
        if let grid = scalapackGrid, grid.count != size {
            throw ValidationError("--scalapack-grid \(grid) needs \(grid.count) ranks, running on \(size)")
        }
        if outputDir.isEmpty { throw ValidationError("--output-dir must not be empty") }
        if let only, only.allSatisfy(\.isEmpty) { throw ValidationError("--only needs at least one check name") }
        if let unknown = only?.first(where: { !$0.isEmpty && !Doctor.checkNames.contains($0) }) {
            throw ValidationError("unknown check '\(unknown)' for --only (checks: \(Doctor.checkNames.joined(separator: ", ")))")
        }
        if config == nil, let needs = only?.first(where: { Doctor.configCheckNames.contains($0) }) {
            throw ValidationError("--only \(needs) needs --config PATH (the config whose pseudopotentials are checked)")
        }
        if config?.isEmpty == true { throw ValidationError("--config must not be empty") }
    }

    func run() throws {
        let world = Communicator.world
        let options = DoctorOptions(outputDirectory: outputDir, memoryLimit: memoryLimit,
                                    diskLimit: diskLimit, scalapackGrid: scalapackGrid, config: config)
        let checks = (quick ? Doctor.quickChecks(options) : Doctor.allChecks(options)).filter { only?.contains($0.name) ?? true }
        let start = Date()
        let results = Doctor.run(checks, on: world)
        let seconds = Date().timeIntervalSince(start)
        if let results {
            Console(world: world).print(json ? DoctorReport.jsonLines(results)
                                             : DoctorReport.table(results, seconds: seconds))
        }
        // every rank leaves with rank 0's verdict
        var failed = [results.map { Doctor.succeeded($0) ? 0.0 : 1.0 } ?? 0]
        try world.broadcast(&failed)
        if failed[0] != 0 { throw ExitCode(1) }
    }
}
