import Bindings
import Foundation
import Parallel

/// FFTW-MPI: a slab-distributed 3-D FFT over all ranks; each rank compares its slab of the
/// forward transform with a serial FFT of the same data, then checks the round trip.
struct SlabFFTCheck: DoctorCheck {
    let name = "fftw-mpi"
    var isCollective: Bool { true }
    var size = 24
    static let tolerance = 1e-12

    func run(on comm: Communicator) throws -> DoctorResult {
        let n = size, plane = n * n
        let slab = SlabFFT(n, n, n, communicator: comm)
        let serial = FFT3D(n, n, n, measure: false)
        let input = (0..<serial.count).map { SampleData.complex($0, seed: 7) }
        _ = serial.buffer.update(fromContentsOf: input)
        serial.forward()
        let mine = slab.localStart * plane ..< (slab.localStart + slab.localCount) * plane
        _ = slab.buffer.update(fromContentsOf: input[mine])
        slab.forward()
        // forward results are O(√N); compare relative to that scale
        let scale = Double(serial.count).squareRoot()
        let forwardError = maxDeviation(Array(slab.buffer), Array(serial.buffer[mine])) { ($0 - $1).length / scale }
        slab.backward()
        let inv = 1 / Double(serial.count)
        let roundTripError = maxDeviation(Array(slab.buffer), Array(input[mine])) { ($0.multiplied(by: inv) - $1).length }
        let errors = [forwardError, roundTripError]
        var worst = errors.map { $0.isFinite ? $0 : Double.greatestFiniteMagnitude }
        try comm.allreduce(&worst, .max)
        let value = String(format: "%d³ on %d rank%@: forward vs serial %.1e, round trip %.1e",
                           n, comm.size, comm.size == 1 ? "" : "s", worst[0], worst[1])
        guard worst.allSatisfy({ $0 < Self.tolerance }) else {
            return fail(value, "distributed FFT disagrees with the serial one: check that libfftw3-mpi-dev "
                        + "matches libfftw3-dev and the Open MPI in use")
        }
        return pass(value)
    }
}
