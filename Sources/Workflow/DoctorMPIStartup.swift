import Foundation
import Parallel

/// MPI start-up delay: Open MPI's PMIx authenticates with munge whenever libmunge is installed and,
/// when no munged is running, retries for about 2 s at every MPI start (2.3 s of a 2.6 s
/// `preconv-mpi --help` on the build box) — a cost paid by every scan point's process start-up on a
/// machine where Slurm's packages were installed but munged is not running.
public struct MPIStartupCheck: DoctorCheck {
    public let name = "mpi-startup"
    static let mungeSocket = "/run/munge/munge.socket.2"

    public init() {}

    public func run(on comm: Communicator) throws -> DoctorResult {
        let setting = ProcessInfo.processInfo.environment["PMIX_MCA_psec"]
        let libmunge = dlopen("libmunge.so.2", RTLD_LAZY)
        if let libmunge { dlclose(libmunge) }
        let v = Self.assess(psec: setting, libmunge: libmunge != nil,
                            socket: FileManager.default.fileExists(atPath: Self.mungeSocket))
        return DoctorResult(name: name, status: v.status, value: v.value, message: v.message)
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
