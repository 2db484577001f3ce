import Bindings
import Foundation
import Numerics
import Testing

extension Bindings {
    @Suite struct FFT {
        @Test func roundTripRestoresInput() {
            let fft = FFT3D(12, 10, 9)
            let input = (0..<fft.count).map { sample($0, $0 % 7, seed: 5) }
            _ = fft.buffer.update(fromContentsOf: input)
            fft.forward()
            fft.backward()
            let error = zip(fft.buffer, input).map { ($0.divided(by: Double(fft.count)) - $1).length }.max()!
            #expect(error < 1e-13)
        }

        @Test func forwardOfPlaneWaveIsOnePeakWithNegativeSign() {
            // f(r) = e^{+2πi(h·r)}: the forward transform Σ f e^{−iG·r} is N at G = h and zero elsewhere
            let (n1, n2, n3) = (8, 6, 5), (h1, h2, h3) = (2, 1, 3)
            let fft = FFT3D(n1, n2, n3, measure: false)
            for i in 0..<n1 { for j in 0..<n2 { for k in 0..<n3 {
                let phase = 2 * Double.pi * (Double(h1 * i) / Double(n1) + Double(h2 * j) / Double(n2) + Double(h3 * k) / Double(n3))
                fft.buffer[fft.index(i, j, k)] = Complex64(cos(phase), sin(phase))
            } } }
            fft.forward()
            let peak = fft.index(h1, h2, h3)
            #expect((fft.buffer[peak] - Complex64(Double(fft.count), 0)).length < 1e-10)
            let elsewhere = fft.buffer.indices.filter { $0 != peak }.map { fft.buffer[$0].length }.max()!
            #expect(elsewhere < 1e-10)
        }

        @Test func indexWrapsNegativeFrequencies() {
            let fft = FFT3D(4, 4, 4, measure: false)
            #expect(fft.index(-1, 0, 0) == fft.index(3, 0, 0))
            #expect(fft.index(1, 2, 3) == (1 * 4 + 2) * 4 + 3)
            #expect(FFT3D.friendlySize(atLeast: 61) == 63)
            #expect(!FFT3D.isFriendly(11))
        }
    }
}
