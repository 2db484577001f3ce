import Bindings
import Numerics

/// The Kohn–Sham Hamiltonian at one k-point, H = −½∇² + V_local(r) + V_NL, applied to blocks of
/// plane-wave coefficient vectors: kinetic diagonal in G, the local potential by FFT
/// (G → r, multiply, r → G, sphere-pruned: `WavefunctionFFT`), the non-local part by projector
/// matrix products.
public struct Hamiltonian {
    public let kbasis: KBasis
    /// Total local potential on the FFT grid (Ha).
    public let potential: [Double]
    public let nonlocal: NonlocalProjectors
    /// Sphere-pruned FFTs of the grid and where this k-point's sphere sits in the box.
    let transform: WavefunctionFFT
    let layout: SphereFFTLayout

    public init(kbasis: KBasis, potential: [Double], nonlocal: NonlocalProjectors,
                transform: WavefunctionFFT, layout: SphereFFTLayout) {
        precondition(layout.fftIndex == kbasis.fftIndex && layout.fftSize == transform.fftSize,
                     "layout of another k-point or grid")
        precondition(potential.count == transform.count, "potential must cover the FFT box")
        self.kbasis = kbasis; self.potential = potential; self.nonlocal = nonlocal
        self.transform = transform; self.layout = layout
    }

    /// H X for the columns of X.
    public func apply(_ x: ComplexMatrix) -> ComplexMatrix {
        var hx = applyLocal(x)
        nonlocal.apply(x, addingTo: &hx)
        return hx
    }

    /// (−½∇² + V_local) X, H without V_NL (a k-point pool applies V_NL on its rows,
    /// `NonlocalProjectors.applyRows`).
    public func applyLocal(_ x: ComplexMatrix) -> ComplexMatrix {
        let npw = kbasis.count
        var hx = ComplexMatrix(rows: npw, cols: x.cols)
        kbasis.kinetic.withUnsafeBufferPointer { kin in
            potential.withUnsafeBufferPointer { v in
                x.storage.withUnsafeBufferPointer { xs in
                    hx.storage.withUnsafeMutableBufferPointer { hs in
                        for col in 0..<x.cols {
                            let off = col * npw
                            transform.applyPotential(v, to: UnsafeBufferPointer(rebasing: xs[off..<(off + npw)]), layout: layout,
                                                     into: UnsafeMutableBufferPointer(rebasing: hs[off..<(off + npw)]))
                            // hx += kinetic · x, on (re, im) pairs
                            let xd = UnsafeRawPointer(xs.baseAddress! + off).assumingMemoryBound(to: Double.self)
                            let hd = UnsafeMutableRawPointer(hs.baseAddress! + off).assumingMemoryBound(to: Double.self)
                            for g in 0..<npw {
                                hd[2 * g] += xd[2 * g] * kin[g]
                                hd[2 * g + 1] += xd[2 * g + 1] * kin[g]
                            }
                        }
                    }
                }
            }
        }
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
            nonlocal.rows().addMatrix(into: &h)
        }
        return h
    }
}

extension Hamiltonian {
    /// One element ⟨k+Gᵢ|H|k+Gⱼ⟩ (for matrices built in distributed form); `nonlocal` = P and P D on
    /// every plane wave (`NonlocalProjectors.rows`), nil to leave V_NL out.
    @inlinable public func element(_ i: Int, _ j: Int, potentialFourier vG: [Complex64], basis: PlaneWaveBasis,
                                   nonlocal: NonlocalRows?) -> Complex64 {
        var h = vG[basis.gridIndex(kbasis.millers[i] &- kbasis.millers[j])]
        if i == j { h += Complex64(kbasis.kinetic[i], 0) }
        if let nonlocal {
            let p = nonlocal.projectors, pd = nonlocal.projectorsTimesCoupling
            for b in 0..<p.cols { h += pd[i, b] * p[j, b].conjugate }
        }
        return h
    }
}
