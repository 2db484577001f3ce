import Bindings
import Numerics

/// Real fields on an FFT grid of the cell and their Fourier coefficients f(r) = Σ_G f_G e^{iG·r},
/// f_G = (1/N) Σ_r f(r) e^{−iG·r}. Owns one FFT (not thread-safe). The grid is the basis's density
/// grid, or another size for the same cell (the finer grid exchange–correlation is evaluated on).
public final class FourierGrid: @unchecked Sendable {
    public let basis: PlaneWaveBasis
    public let fft: FFT3D
    /// Points per axis.
    public let size: [Int]
    public var count: Int { fft.count }

    /// Calls body(i, m) for every point i in the FFT's order, m its centred Miller indices (computed as
    /// it goes: no grid-sized array of them is kept).
    @inline(__always) public func forEachMiller(_ body: (Int, SIMD3<Int32>) -> Void) {
        forEachMiller(planes: 0..<size[0], body)
    }

    /// `forEachMiller` over the points of the first axis' `planes` only (a slab, `GridSlab`); i is still
    /// the point's index on the whole grid.
    @inline(__always) public func forEachMiller(planes: Range<Int>, _ body: (Int, SIMD3<Int32>) -> Void) {
        let n0 = size[0], n1 = size[1], n2 = size[2]
        var i = planes.lowerBound * n1 * n2
        for a in planes {
            let ma = Int32(centred(a, n0))
            for b in 0..<n1 {
                let mb = Int32(centred(b, n1))
                for c in 0..<n2 {
                    body(i, SIMD3(ma, mb, Int32(centred(c, n2))))
                    i += 1
                }
            }
        }
    }

    /// Calls body(i, m, |G|²) (bohr⁻²) for every point, as `forEachMiller`.
    @inline(__always) public func forEachPoint(_ body: (Int, SIMD3<Int32>, Double) -> Void) {
        forEachPoint(planes: 0..<size[0], body)
    }

    /// `forEachPoint` over the first axis' `planes` only, as `forEachMiller(planes:_:)`.
    @inline(__always) public func forEachPoint(planes: Range<Int>, _ body: (Int, SIMD3<Int32>, Double) -> Void) {
        let lattice = basis.model.crystal.lattice
        forEachMiller(planes: planes) { i, m in body(i, m, PlaneWaveBasis.squaredNorm(m, lattice: lattice)) }
    }

    /// The basis's density grid.
    public convenience init(basis: PlaneWaveBasis) {
        self.init(basis: basis, size: basis.fftSize)
    }

    /// A grid of `size` points per axis over the basis's cell.
    public init(basis: PlaneWaveBasis, size: [Int]) {
        self.basis = basis
        self.size = size
        fft = size == basis.fftSize ? basis.makeFFT() : FFT3D(size[0], size[1], size[2], measure: false)
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

    /// Real part of Σ_j c_j e^{iG_j·r} with G_j the grid point `index[j]` (the coefficients of a coarser
    /// grid placed on this one, zero elsewhere), built in the transform's own buffer.
    public func real(_ c: [Complex64], at index: [Int]) -> [Double] {
        precondition(c.count == index.count, "one grid point per coefficient")
        let n = count
        let buf = fft.buffer
        for i in 0..<n { buf[i] = .zero }
        for j in c.indices { buf[index[j]] = c[j] }
        fft.backward()
        return (0..<n).map { buf[$0].real }
    }

    /// Cartesian gradient of a real field, computed spectrally: ∇f = Σ_G iG f_G e^{iG·r}.
    /// Nyquist components (ambiguous sign) are dropped. ∂ₓf and ∂ᵧf, both real, come out of one
    /// complex transform as its real and imaginary parts.
    public func gradient(_ f: [Double]) -> [[Double]] {
        var components: [[Double]] = []
        spectralGradient(f) { buf, xy in
            let n = count
            if xy {
                components.append((0..<n).map { buf[$0].real })
                components.append((0..<n).map { buf[$0].imaginary })
            } else {
                components.append((0..<n).map { buf[$0].real })
            }
        }
        return components
    }

    /// |∇f|² (as `gradient`, summed over x, y, z in that order) without keeping the components.
    public func gradientSquared(_ f: [Double]) -> [Double] {
        var s = [Double](repeating: 0, count: count)
        spectralGradient(f) { buf, xy in
            s.withUnsafeMutableBufferPointer { s in
                if xy {
                    for i in 0..<s.count { let d = buf[i]; s[i] += d.real * d.real; s[i] += d.imaginary * d.imaginary }
                } else {
                    for i in 0..<s.count { let d = buf[i].real; s[i] += d * d }
                }
            }
        }
        return s
    }

    /// Hands the transform buffer to `take` twice: holding ∂ₓf + i∂ᵧf (xy true), then ∂_z f in its
    /// real part; the coefficients go straight into the buffer, without a grid-sized copy.
    private func spectralGradient(_ f: [Double], _ take: (UnsafeMutableBufferPointer<Complex64>, Bool) -> Void) {
        let fG = fourier(f)
        let buf = fft.buffer
        fG.withUnsafeBufferPointer { c in
            forEachWaveVector { i, _, gx, gy, _ in
                let ic = Complex64(-c[i].imaginary, c[i].real)          // i f_G
                buf[i] = Complex64(ic.real * gx - ic.imaginary * gy, ic.imaginary * gx + ic.real * gy)
            }
        }
        fft.backward()
        take(buf, true)
        fG.withUnsafeBufferPointer { c in
            forEachWaveVector { i, _, _, _, gz in
                buf[i] = Complex64(-c[i].imaginary, c[i].real) * gz
            }
        }
        fft.backward()
        take(buf, false)
    }

    /// Divergence of a Cartesian vector field, spectrally: ∇·v = Σ_G i(G·v_G) e^{iG·r}, the three
    /// components' coefficients accumulated in one grid of them as each is transformed (one complex
    /// grid besides the transform's own, the largest transient of a GGA potential).
    public func divergence(_ v: [[Double]]) -> [Double] {
        precondition(v.count == 3 && v.allSatisfy { $0.count == count }, "a vector field has three components on the grid")
        let n = count, buf = fft.buffer
        let s = 1 / Double(n)
        var acc = [Complex64](repeating: .zero, count: n)
        acc.withUnsafeMutableBufferPointer { a in
            for axis in 0..<3 {
                v[axis].withUnsafeBufferPointer { f in for i in 0..<n { buf[i] = Complex64(f[i], 0) } }
                fft.forward()
                forEachWaveVector { i, _, gx, gy, gz in
                    let g = (axis == 0 ? gx : axis == 1 ? gy : gz) * s
                    let c = buf[i]
                    a[i] = a[i] + Complex64(-c.imaginary * g, c.real * g)          // iG_a v_a,G
                }
            }
        }
        return real(acc)
    }

    /// Calls body(i, index of −G, Gx, Gy, Gz) for every grid point, with G = 0 on Nyquist planes.
    @inline(__always) func forEachWaveVector(_ body: (Int, Int, Double, Double, Double) -> Void) {
        forEachWaveVector(planes: 0..<size[0], body)
    }

    /// `forEachWaveVector` over the first axis' `planes` only; i and the index of −G are on the whole grid.
    @inline(__always) func forEachWaveVector(planes: Range<Int>, _ body: (Int, Int, Double, Double, Double) -> Void) {
        let b = basis.model.crystal.lattice.reciprocal
        let n = size, n0 = n[0], n1 = n[1], n2 = n[2]
        let ny0 = n0 % 2 == 0 ? -n0 / 2 : Int.min, ny1 = n1 % 2 == 0 ? -n1 / 2 : Int.min, ny2 = n2 % 2 == 0 ? -n2 / 2 : Int.min
        var i = planes.lowerBound * n1 * n2
        for a in planes { for bb in 0..<n1 { for c in 0..<n2 {
            defer { i += 1 }
            let mx = centred(a, n0), my = centred(bb, n1), mz = centred(c, n2)
            let minus = (((-mx % n0) + n0) % n0 * n1 + ((-my % n1) + n1) % n1) * n2 + ((-mz % n2) + n2) % n2
            if mx == ny0 || my == ny1 || mz == ny2 { body(i, minus, 0, 0, 0); continue }
            let g = Double(mx) * b[0] + Double(my) * b[1] + Double(mz) * b[2]
            body(i, minus, g.x, g.y, g.z)
        } } }
    }

    /// ∫ f g d³r = (Ω/N) Σ_r f(r) g(r).
    public func integrate(_ f: [Double], _ g: [Double]) -> Double {
        var s = 0.0
        for i in 0..<count { s += f[i] * g[i] }
        return s * basis.volume / Double(count)
    }

    public func integrate(_ f: [Double]) -> Double { f.reduce(0, +) * basis.volume / Double(count) }
}
