import Input
import Foundation
import Parallel

/// What the doctor is asked to validate against.
public struct DoctorOptions: Sendable {
    /// Where results will be written (created if missing).
    public var outputDirectory: String
    /// Memory a run needs on each node.
    public var memoryLimit: ByteCount
    /// Disk space a run needs in `outputDirectory`.
    public var diskLimit: ByteCount
    /// ScaLAPACK grid for the eigensolver check (must use every rank); nil = most nearly square.
    public var scalapackGrid: GridShape?
    /// A one-point or scan config whose pseudopotentials are checked; nil = no such check.
    public var config: String?

    public init(outputDirectory: String = ".", memoryLimit: ByteCount = .gibibytes(16),
                diskLimit: ByteCount = .gibibytes(1), scalapackGrid: GridShape? = nil, config: String? = nil) {
        self.outputDirectory = outputDirectory
        self.memoryLimit = memoryLimit
        self.diskLimit = diskLimit
        self.scalapackGrid = scalapackGrid
        self.config = config
    }
}

/// The environment validator: MPI, the numerical libraries, threading and resources.
public enum Doctor {
    /// Every check, in report order (`preconv-mpi doctor`).
    public static func allChecks(_ o: DoctorOptions) -> [any DoctorCheck] {
        [MPICheck(), MPIStartupCheck(), ThreadsCheck(),
         ScaLAPACKCheck(grid: o.scalapackGrid), SlabFFTCheck(),
         BLASCheck(), FFTCheck(), XCCheck(), SpglibCheck()]
            + resourceChecks(o)
    }

    /// The cheap subset (well under a second, no numerical validation) a run can do first.
    public static func quickChecks(_ o: DoctorOptions) -> [any DoctorCheck] {
        [MPICheck(), MPIStartupCheck(), ThreadsCheck()] + resourceChecks(o)
    }

    /// The resource checks, then the config's when there is one (cheap: it reads the files once).
    static func resourceChecks(_ o: DoctorOptions) -> [any DoctorCheck] {
        [MemoryCheck(limit: o.memoryLimit),
         DiskCheck(directory: o.outputDirectory, limit: o.diskLimit),
         OutputDirectoryCheck(directory: o.outputDirectory)]
            + (o.config.map { [PseudopotentialsCheck(config: $0)] } ?? [])
    }

    /// Names of all checks, for `--only` (`pseudopotentials` runs only with a config).
    public static var checkNames: [String] { allChecks(DoctorOptions(config: "")).map(\.name) }

    /// The checks that need `DoctorOptions.config`.
    public static let configCheckNames = ["pseudopotentials"]

    /// Runs `checks` on every rank of `comm` (collective ones everywhere, local ones on rank 0).
    /// Returns the results on rank 0, nil elsewhere. A check that throws is a FAIL.
    public static func run(_ checks: [any DoctorCheck], on comm: Communicator) -> [DoctorResult]? {
        var results: [DoctorResult] = []
        for check in checks where check.isCollective || comm.isRoot {
            let result: DoctorResult
            do { result = try check.run(on: comm) } catch {
                result = DoctorResult(name: check.name, status: .fail, value: "error",
                                      message: "\(error)")
            }
            results.append(result)
        }
        return comm.isRoot ? results : nil
    }

    /// True when no result is a FAIL.
    public static func succeeded(_ results: [DoctorResult]) -> Bool {
        !results.contains { $0.status == .fail }
    }
}
