import COpenBLAS
import Foundation

/// The kernels OpenBLAS (a DYNAMIC_ARCH build, as Debian's) chose from the CPU model when it was
/// loaded. A CPU newer than the library falls back to the generic "Prescott" (SSE3) kernels (Debian
/// 12's OpenBLAS 0.3.21 does on Intel model 207, Emerald Rapids), whose zgemm is several times
/// slower than the AVX-512 ones (see README Performance). The choice can only be changed through
/// `OPENBLAS_CORETYPE`, read at load time, so the process re-executes itself.
public enum BLASKernels {
    /// The core type whose kernels are in use, e.g. "Haswell", "SkylakeX", "Prescott".
    public static var core: String { String(cString: openblas_get_corename()) }

    /// The CPU's feature flags (/proc/cpuinfo), empty where unreadable.
    public static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    /// The newest core type of OpenBLAS 0.3.21 that the CPU's flags support, when OpenBLAS fell back
    /// to Prescott on a CPU with AVX2 or AVX-512; nil when its own choice stands.
    public static func replacement(core: String, flags: Set<String>) -> String? {
        guard core == "Prescott" else { return nil }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512_bf16"]) { return "Cooperlake" }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// `replacement` for the kernels in use; /proc/cpuinfo is read only when they are the generic ones.
    public static var better: String? { core == "Prescott" ? replacement(core: core, flags: cpuFlags) : nil }

    /// Before MPI_Init: when OpenBLAS fell back to Prescott on a CPU with a better kernel set and
    /// `OPENBLAS_CORETYPE` is not set, sets it and re-executes this program (same PID and arguments).
    /// An `OPENBLAS_CORETYPE` of the user's is always kept. Returns only when nothing is to be done
    /// or the exec failed.
    public static func reexecWithBetterKernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let better else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
