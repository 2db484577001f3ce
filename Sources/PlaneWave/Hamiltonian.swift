import Bindings
import Numerics

/// The Kohn–Sham Hamiltonian at one k-point, H = −½∇² + V_local(r) + V_NL, applied to blocks of
/// plane-wave coefficient vectors: kinetic diagonal in G, the local potential by FFT
/// (G → r, multiply, r → G), the non-local part by projector matrix products.
public struct Hamiltonian {
    public let kbasis: KBasis
    /// Total local potential on the FFT grid (Ha).
    public let potential: [Double]
    public let nonlocal: NonlocalProjectors
    let fft: FFT3D

    public init(kbasis: KBasis, potential: [Double], nonlocal: NonlocalProjectors, fft: FFT3D) {
        self.kbasis = kbasis; self.potential = potential; self.nonlocal = nonlocal; self.fft = fft
    }

    /// H X for the columns of X.
    public func apply(_ x: ComplexMatrix) -> ComplexMatrix {
        let npw = kbasis.count
        var hx = ComplexMatrix(rows: npw, cols: x.cols)
        let buf = fft.buffer
        let n = fft.count
        let scale = 1 / Double(n)
        kbasis.fftIndex.withUnsafeBufferPointer { idx in
            kbasis.kinetic.withUnsafeBufferPointer { kin in
                potential.withUnsafeBufferPointer { v in
                    x.storage.withUnsafeBufferPointer { xs in
                        hx.storage.withUnsafeMutableBufferPointer { hs in
                            for col in 0..<x.cols {
                                let off = col * npw
                                buf.update(repeating: .zero)
                                for g in 0..<npw { buf[Int(idx[g])] = xs[off + g] }
                                fft.backward()
                                for r in 0..<n { buf[r] = buf[r] * v[r] }
                                fft.forward()
                                for g in 0..<npw { hs[off + g] = buf[Int(idx[g])] * scale + xs[off + g] * kin[g] }
                            }
                        }
                    }
                }
            }
        }
        nonlocal.apply(x, addingTo: &hx)
        return hx
    }

    /// The full matrix ⟨k+G|H|k+G′⟩ (for the dense solver); V(G−G′) from the potential's Fourier
    /// coefficients, which the FFT box holds for every pair of the sphere.
    public func matrix(potentialFourier vG: [Complex64], basis: PlaneWaveBasis) -> ComplexMatrix {
        let npw = kbasis.count
        var h = ComplexMatrix(rows: npw, cols: npw)
        for j in 0..<npw {
            let mj = kbasis.millers[j]
            for i in 0..<npw {
                h[i, j] = vG[basis.gridIndex(kbasis.millers[i] &- mj)]
            }
            h[j, j] += Complex64(kbasis.kinetic[j], 0)
        }
        if nonlocal.count > 0 {
            let pd = multiply(.none, nonlocal.projectors, .none, nonlocal.coupling)
            gemm(.none, pd, .adjoint, nonlocal.projectors, beta: .one, into: &h)
        }
        return h
    }
}

/// Kinetic energy Σ_G |k+G|²/2 |c_G|² of each column.
public enum Kinetic {
    public static func expectation(_ x: ComplexMatrix, kbasis: KBasis) -> [Double] {
        (0..<x.cols).map { n in
            var s = 0.0
            for g in 0..<x.rows { s += x[g, n].norm2 * kbasis.kinetic[g] }
            return s
        }
    }
}
