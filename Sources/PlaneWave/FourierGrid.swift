import Bindings
import Numerics

/// Real fields on the FFT grid and their Fourier coefficients f(r) = Σ_G f_G e^{iG·r},
/// f_G = (1/N) Σ_r f(r) e^{−iG·r}. Owns one FFT (not thread-safe).
public final class FourierGrid: @unchecked Sendable {
    public let basis: PlaneWaveBasis
    public let fft: FFT3D
    public var count: Int { fft.count }

    public init(basis: PlaneWaveBasis) {
        self.basis = basis
        fft = basis.makeFFT()
    }

    /// f_G of a real field.
    public func fourier(_ f: [Double]) -> [Complex64] {
        let n = count
        let buf = fft.buffer
        for i in 0..<n { buf[i] = Complex64(f[i], 0) }
        fft.forward()
        let s = 1 / Double(n)
        return (0..<n).map { buf[$0] * s }
    }

    /// Real part of Σ_G f_G e^{iG·r}.
    public func real(_ fG: [Complex64]) -> [Double] {
        let n = count
        let buf = fft.buffer
        for i in 0..<n { buf[i] = fG[i] }
        fft.backward()
        return (0..<n).map { buf[$0].real }
    }

    /// Cartesian gradient of a real field, computed spectrally: ∇f = Σ_G iG f_G e^{iG·r}.
    /// Nyquist components (ambiguous sign) are dropped.
    public func gradient(_ f: [Double]) -> [[Double]] {
        let fG = fourier(f)
        let lattice = basis.model.crystal.lattice
        let n = basis.fftSize
        return (0..<3).map { alpha in
            var d = [Complex64](repeating: .zero, count: count)
            for (i, m) in basis.gridMillers.enumerated() {
                if isNyquist(m, n) { continue }
                let g = lattice.reciprocalCartesian(SIMD3(Double(m.x), Double(m.y), Double(m.z)))
                d[i] = Complex64(0, g[alpha]) * fG[i]
            }
            return real(d)
        }
    }

    /// Divergence of a Cartesian vector field, spectrally.
    public func divergence(_ v: [[Double]]) -> [Double] {
        let lattice = basis.model.crystal.lattice
        let n = basis.fftSize
        var acc = [Complex64](repeating: .zero, count: count)
        for alpha in 0..<3 {
            let vG = fourier(v[alpha])
            for (i, m) in basis.gridMillers.enumerated() {
                if isNyquist(m, n) { continue }
                let g = lattice.reciprocalCartesian(SIMD3(Double(m.x), Double(m.y), Double(m.z)))
                acc[i] += Complex64(0, g[alpha]) * vG[i]
            }
        }
        return real(acc)
    }

    /// ∫ f g d³r = (Ω/N) Σ_r f(r) g(r).
    public func integrate(_ f: [Double], _ g: [Double]) -> Double {
        var s = 0.0
        for i in 0..<count { s += f[i] * g[i] }
        return s * basis.volume / Double(count)
    }

    public func integrate(_ f: [Double]) -> Double { f.reduce(0, +) * basis.volume / Double(count) }
}

@inlinable func isNyquist(_ m: SIMD3<Int32>, _ n: [Int]) -> Bool {
    (n[0] % 2 == 0 && Int(m.x) == -n[0] / 2) || (n[1] % 2 == 0 && Int(m.y) == -n[1] / 2) || (n[2] % 2 == 0 && Int(m.z) == -n[2] / 2)
}
