import Bindings
import Foundation
import Parallel

/// BLAS: `zgemm` against a naive triple loop (relative error), a GFlop/s figure, and OpenBLAS's
/// kernels: WARN when they are the generic ones on a CPU with better (`BLASKernels`).
struct BLASCheck: DoctorCheck {
    let name = "blas"
    var benchmarkSize = 384
    static let tolerance = 1e-12

    func run(on comm: Communicator) throws -> DoctorResult {
        // accuracy, non-square so a transposed layout cannot pass by accident
        let (m, k, n) = (67, 45, 53)
        let a = ComplexMatrix(rows: m, cols: k) { i, j in SampleData.complex(i + m * j, seed: 1) }
        let b = ComplexMatrix(rows: k, cols: n) { i, j in SampleData.complex(i + k * j, seed: 2) }
        let c = multiply(.none, a, .none, b)
        var naive = ComplexMatrix(rows: m, cols: n)
        for j in 0..<n { for i in 0..<m {
            var s = Complex64.zero
            for l in 0..<k { s += a[i, l] * b[l, j] }
            naive[i, j] = s
        } }
        let norm = naive.storage.prefix(m * n).map(\.length).max() ?? 1
        let error = maxDeviation(Array(c.storage.prefix(m * n)), Array(naive.storage.prefix(m * n))) { ($0 - $1).length / norm }

        let gflops = benchmark()
        let value = String(format: "zgemm vs naive: rel. error %.1e; %.1f GFlop/s (%d³, %d thread%@)",
                           error, gflops, benchmarkSize, BLASThreads.current, BLASThreads.current == 1 ? "" : "s")
        guard error < Self.tolerance else {
            return fail(value, "zgemm is wrong: reinstall libopenblas-dev (or select another BLAS with update-alternatives)")
        }
        if let better = BLASKernels.better {
            return warn(value, "OpenBLAS runs its generic \(BLASKernels.core) kernels on a CPU that has \(better)'s "
                        + "(OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")): "
                        + "export OPENBLAS_CORETYPE=\(better), or unset it and preconv-mpi chooses")
        }
        return pass(value, BLASThreads.configuration)
    }

    /// Best of three n³ zgemms: 8n³ flops each.
    private func benchmark() -> Double {
        let n = benchmarkSize
        let a = ComplexMatrix(rows: n, cols: n) { i, j in SampleData.complex(i + n * j, seed: 3) }
        var c = ComplexMatrix(rows: n, cols: n)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = Date()
            gemm(.none, a, .adjoint, a, into: &c)
            best = min(best, Date().timeIntervalSince(start))
        }
        return 8 * pow(Double(n), 3) / max(best, 1e-9) / 1e9
    }
}
