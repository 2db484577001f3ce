import Foundation
import Parallel

/// MPI start-up delay: Open MPI's PMIx authenticates with munge whenever libmunge is installed and,
/// when no munged is running, retries for about 2 s at every MPI start — a cost paid by every
/// process start on a machine where Slurm's packages were installed but munged is not running.
/// Also: with no RDMA device (/sys/class/infiniband empty) Open MPI still picks the UCX PML, whose
/// start-up probing costs a large part of MPI_Init; ob1 with shared memory is what runs on one node
/// anyway. The check measures MPI_Init and warns with the remedy (the Makefile's comments give the figures).
public struct MPIStartupCheck: DoctorCheck {
    public let name = "mpi-startup"
    static let mungeSocket = "/run/munge/munge.socket.2"

    public init() {}

    public func run(on comm: Communicator) throws -> DoctorResult {
        let setting = ProcessInfo.processInfo.environment["PMIX_MCA_psec"]
        let libmunge = dlopen("libmunge.so.2", RTLD_LAZY)
        if let libmunge { dlclose(libmunge) }
        let munge = Self.assess(psec: setting, libmunge: libmunge != nil,
                                socket: FileManager.default.fileExists(atPath: Self.mungeSocket))
        let rdma = !((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/infiniband")) ?? []).isEmpty
        let ucx = Self.assessPML(pml: ProcessInfo.processInfo.environment["OMPI_MCA_pml"], rdma: rdma,
                                 initSeconds: MPIRuntime.initSeconds)
        return DoctorResult(name: name, status: max(munge.status, ucx.status), value: munge.value + ", " + ucx.value,
                            message: [munge.message, ucx.message].filter { !$0.isEmpty }.joined(separator: "; "))
    }

    /// The verdict from OMPI_MCA_pml, whether an RDMA device exists and how long MPI_Init took here:
    /// a slow start without RDMA hardware is UCX probing for nothing.
    public static func assessPML(pml: String?, rdma: Bool, initSeconds: Double) -> (status: DoctorStatus, value: String, message: String) {
        let value = String(format: "MPI_Init %.2f s, OMPI_MCA_pml=%@, %@", initSeconds, pml ?? "unset",
                           rdma ? "RDMA devices present" : "no RDMA device")
        if pml == nil && !rdma && initSeconds > 0.15 {
            return (.warn, value, "without RDMA hardware UCX start-up only costs time: export OMPI_MCA_pml=ob1")
        }
        return (.pass, value, "")
    }

    /// The verdict from PMIX_MCA_psec, whether libmunge loads and whether munged's socket exists.
    public static func assess(psec: String?, libmunge: Bool, socket: Bool) -> (status: DoctorStatus, value: String, message: String) {
        let value = "PMIX_MCA_psec=\(psec ?? "unset"), libmunge \(libmunge ? "installed" : "absent"), munged \(socket ? "running" : "not running")"
        let mungeExcluded = psec.map { p in
            p.hasPrefix("^") ? p.dropFirst().split(separator: ",").contains("munge") : !p.split(separator: ",").contains("munge")
        } ?? false
        if libmunge && !socket && !mungeExcluded {
            return (.warn, value, "every MPI start waits about 2 s for munged: start munged, or export PMIX_MCA_psec=^munge")
        }
        return (.pass, value, "")
    }
}
