import Bindings
import CFFTW
import CFFTWMPI
import Numerics

/// A 3-D complex FFT distributed in slabs along the first index over a communicator (FFTW-MPI).
/// Each rank holds planes `localStart ..< localStart + localCount` of the n₁ direction.
public final class SlabFFT: @unchecked Sendable {
    public let n: (Int, Int, Int)
    public let localCount: Int
    public let localStart: Int
    public let buffer: UnsafeMutableBufferPointer<Complex64>
    private let raw: UnsafeMutablePointer<fftw_complex>
    private let forwardPlan: fftw_plan
    private let backwardPlan: fftw_plan

    public init(_ n1: Int, _ n2: Int, _ n3: Int, communicator: Communicator) {
        FFTWPlanner.locked { fftw_mpi_init() }
        n = (n1, n2, n3)
        var ln = 0, ls = 0
        let alloc = fftw_mpi_local_size_3d(n1, n2, n3, communicator.handle, &ln, &ls)
        localCount = ln
        localStart = ls
        raw = fftw_alloc_complex(max(1, alloc))!
        let buf = raw, comm = communicator.handle
        (forwardPlan, backwardPlan) = FFTWPlanner.locked {
            (fftw_mpi_plan_dft_3d(n1, n2, n3, buf, buf, comm, FFTW_FORWARD, FFTW_ESTIMATE)!,
             fftw_mpi_plan_dft_3d(n1, n2, n3, buf, buf, comm, FFTW_BACKWARD, FFTW_ESTIMATE)!)
        }
        buffer = UnsafeMutableBufferPointer(
            start: UnsafeMutableRawPointer(raw).bindMemory(to: Complex64.self, capacity: max(1, alloc)),
            count: ln * n2 * n3)
        buffer.update(repeating: .zero)
    }

    deinit {
        FFTWPlanner.locked {
            fftw_destroy_plan(forwardPlan)
            fftw_destroy_plan(backwardPlan)
        }
        fftw_free(raw)
    }

    /// Collective: every rank of the communicator must call it.
    public func forward() { fftw_execute(forwardPlan) }
    public func backward() { fftw_execute(backwardPlan) }
}
