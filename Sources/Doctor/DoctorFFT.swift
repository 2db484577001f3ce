import Bindings
import Foundation
import Parallel

/// FFTW: a 3-D complex round trip, backward(forward(x)) / N = x, on reproducible random data.
struct FFTCheck: DoctorCheck {
    let name = "fftw"
    var size = 32
    static let tolerance = 1e-12

    func run(on comm: Communicator) throws -> DoctorResult {
        let fft = FFT3D(size, size, size, measure: false)
        let input = (0..<fft.count).map { SampleData.complex($0) }
        _ = fft.buffer.update(fromContentsOf: input)
        let start = Date()
        fft.forward()
        fft.backward()
        let seconds = Date().timeIntervalSince(start)
        let scale = 1 / Double(fft.count)
        let error = maxDeviation(Array(fft.buffer), input) { ($0.multiplied(by: scale) - $1).length }
        let value = String(format: "%d³ round trip: max error %.1e (%.1f ms)", size, error, seconds * 1000)
        guard error < Self.tolerance else {
            return fail(value, "FFTW round trip error above \(Self.tolerance): reinstall libfftw3-dev (FFTW 3.3)")
        }
        return pass(value)
    }
}
