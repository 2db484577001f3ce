import Bindings
import Numerics

/// Where the plane-wave sphere of one k-point sits in the FFT box, for the pruned transforms of
/// `WavefunctionFFT`.
///
/// The box is row-major with the last index fastest, (i·n₂ + j)·n₃ + k. A *pencil* p = j·n₃ + k is
/// the line (·, j, k) along the slowest axis (n₁ elements at stride n₂n₃); a *sheet* k is the set
/// (·, ·, k). The sphere (radius √(2 ecut)) meets about a sixth of the pencils and half the sheets
/// of a box sized for the density (radius 2√(2 ecut)).
public struct SphereFFTLayout: Sendable, Equatable {
    /// A run start…start+count−1 of consecutive pencils (or sheets). Consecutive pencils are
    /// adjacent in memory, so a run is one batched transform (element distance 1).
    public struct Run: Sendable, Equatable {
        public let start: Int32
        public let count: Int32
    }

    public let fftSize: [Int]
    /// Box position of every plane wave, in the basis order (as `KBasis.fftIndex`).
    public let fftIndex: [Int32]
    /// Maximal runs of pencils holding sphere points, ascending; runs separated by at most
    /// `mergeGap` empty pencils are joined (those are transformed as zeros).
    public let pencils: [Run]
    /// Maximal runs of sheets k holding sphere points, ascending, within 0..<n₃.
    public let sheets: [Run]
    /// Number of pencils the runs cover.
    public var pencilCount: Int { pencils.reduce(0) { $0 + Int($1.count) } }
    /// Number of sheets the runs cover.
    public var sheetCount: Int { sheets.reduce(0) { $0 + Int($1.count) } }

    public init(fftIndex: [Int32], fftSize: [Int], mergeGap: Int = 0) {
        precondition(fftSize.count == 3 && fftSize.allSatisfy { $0 > 0 }, "FFT size must be three positive integers")
        let n3 = fftSize[2], plane = fftSize[1] * n3
        var pencilUsed = [Bool](repeating: false, count: plane)
        var sheetUsed = [Bool](repeating: false, count: n3)
        for g in fftIndex {
            precondition(g >= 0 && Int(g) < fftSize[0] * plane, "plane wave outside the FFT box")
            let p = Int(g) % plane
            pencilUsed[p] = true
            sheetUsed[p % n3] = true
        }
        self.fftSize = fftSize
        self.fftIndex = fftIndex
        pencils = SphereFFTLayout.runs(pencilUsed, mergeGap: mergeGap)
        sheets = SphereFFTLayout.runs(sheetUsed, mergeGap: 0)
    }

    public init(kbasis: KBasis, fftSize: [Int], mergeGap: Int = 0) {
        self.init(fftIndex: kbasis.fftIndex, fftSize: fftSize, mergeGap: mergeGap)
    }

    static func runs(_ used: [Bool], mergeGap: Int) -> [Run] {
        var runs: [Run] = []
        var c = 0
        while c < used.count {
            guard used[c] else { c += 1; continue }
            var end = c + 1                                   // one past the last used element of the run
            var probe = end
            while probe < used.count {
                if used[probe] { end = probe + 1; probe += 1 }
                else if probe - end < mergeGap { probe += 1 }  // still within a mergeable gap
                else { break }
            }
            runs.append(Run(start: Int32(c), count: Int32(end - c)))
            c = end
        }
        return runs
    }
}

/// Sphere-pruned 3-D FFTs between the plane-wave coefficients of one k-point's sphere and values
/// on the full real-space box, equal to full 3-D FFTs to rounding.
///
/// Backward (G → r): 1-D transforms along the slowest axis i only in the pencils holding sphere
/// points (batched over runs of adjacent pencils), then plane by plane: along j only in the sheets
/// holding sphere points, along k everywhere (contiguous rows). Forward (r → G) in the reverse
/// order, keeping only the sphere. Each plane's j- and k-passes go through plane-sized buffers
/// and are fused with what is done to the real-space values (multiply by V(r), accumulate
/// |ψ(r)|²); every pass is out of place, so that no array needs zeroing per band.
///
/// Work arrays and what stays zero in them (re-zeroed when the layout changes):
/// `sphereBox` ← coefficients, zero off the sphere; `pencilBox` ← pencil pass (backward) or
/// pencil pass of the result (forward), zero off the pencils; `sheetPlane` ← sheet pass of one
/// plane, zero off the sheets; `valuePlane` ← one plane of ψ(r) (or of V ψ, the forward input);
/// `rowPlane` ← forward row pass; `resultBox` ← forward sheet pass.
/// Owns its buffers and plans: not thread-safe, use one instance per thread.
public final class WavefunctionFFT: @unchecked Sendable {
    public let fftSize: [Int]
    /// n₁·n₂·n₃
    public let count: Int
    let n1: Int, n2: Int, n3: Int
    let unaligned: Bool
    let sphereBox: FFTWBuffer
    let pencilBox: FFTWBuffer
    let resultBox: FFTWBuffer
    let sheetPlane: FFTWBuffer
    let valuePlane: FFTWBuffer
    let rowPlane: FFTWBuffer
    /// Along k, the n₂ rows of one plane: sheetPlane → valuePlane (input kept) and
    /// valuePlane → rowPlane.
    let rowBackward: FFTBatch1D
    let rowForward: FFTBatch1D
    /// Batches by run length: along i (stride n₂n₃) sphereBox → pencilBox (input kept) and
    /// resultBox → pencilBox; along j (stride n₃) pencilBox plane → sheetPlane (input kept) and
    /// rowPlane → resultBox plane.
    private var pencilBackward: [Int32: FFTBatch1D] = [:]
    private var pencilForward: [Int32: FFTBatch1D] = [:]
    private var sheetBackward: [Int32: FFTBatch1D] = [:]
    private var sheetForward: [Int32: FFTBatch1D] = [:]
    private var active: SphereFFTLayout? = nil

    /// `measure`: FFTW_MEASURE for the row transforms (planned here, once per grid). The batches
    /// along i and j are planned with FFTW_ESTIMATE for each new run length as layouts come in:
    /// out of place, estimated plans run as fast as measured ones (in-place ones did not).
    public init(fftSize: [Int], measure: Bool = true) {
        precondition(fftSize.count == 3 && fftSize.allSatisfy { $0 > 0 }, "FFT size must be three positive integers")
        self.fftSize = fftSize
        n1 = fftSize[0]; n2 = fftSize[1]; n3 = fftSize[2]
        count = n1 * n2 * n3
        unaligned = !FFTBatch1D.elementAligned
        sphereBox = FFTWBuffer(count: count)
        pencilBox = FFTWBuffer(count: count)
        resultBox = FFTWBuffer(count: count)
        sheetPlane = FFTWBuffer(count: n2 * n3)
        valuePlane = FFTWBuffer(count: n2 * n3)
        rowPlane = FFTWBuffer(count: n2 * n3)
        let row = FFTBatch1D.Layout(stride: 1, distance: n3)
        rowBackward = FFTBatch1D(length: n3, count: n2, input: row, output: row, direction: .backward,
                                 inPlace: false, preserveInput: true, measure: measure, unaligned: unaligned)
        rowForward = FFTBatch1D(length: n3, count: n2, input: row, output: row, direction: .forward,
                                inPlace: false, measure: measure, unaligned: unaligned)
    }

    public convenience init(basis: PlaneWaveBasis, measure: Bool = true) {
        self.init(fftSize: basis.fftSize, measure: measure)
    }

    /// The layout of a k-point's sphere on this grid.
    public func layout(for kbasis: KBasis) -> SphereFFTLayout { SphereFFTLayout(kbasis: kbasis, fftSize: fftSize) }

    // MARK: - Transforms

    /// values(r) = Σ_G c_G e^{+iG·r} on the whole box (unnormalised, as FFTW_BACKWARD).
    public func backward(_ coefficients: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout,
                         into values: UnsafeMutableBufferPointer<Complex64>) {
        precondition(values.count == count, "values must cover the FFT box")
        let out = values.baseAddress!, plane = n2 * n3
        backward(coefficients, layout: layout) { i, psi in (out + i * plane).update(from: psi, count: plane) }
    }

    /// c_G = scale · Σ_r values(r) e^{−iG·r} for the sphere's G (unnormalised for scale = 1, as
    /// FFTW_FORWARD; scale = 1/N gives Fourier coefficients).
    public func forward(_ values: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout, scale: Double,
                        into coefficients: UnsafeMutableBufferPointer<Complex64>) {
        precondition(values.count == count, "values must cover the FFT box")
        activate(layout)
        let src = values.baseAddress!, q = valuePlane.baseAddress, plane = n2 * n3
        for i in 0..<n1 {
            q.update(from: src + i * plane, count: plane)
            forwardPlane(i, layout: layout)
        }
        finishForward(layout: layout, scale: scale, into: coefficients)
    }

    /// y_G = (1/N) Σ_r e^{−iG·r} V(r) Σ_G′ x_G′ e^{+iG′·r}: the local potential applied to one
    /// coefficient vector (overwrites y).
    public func applyPotential(_ v: UnsafeBufferPointer<Double>, to x: UnsafeBufferPointer<Complex64>,
                               layout: SphereFFTLayout, into y: UnsafeMutableBufferPointer<Complex64>) {
        precondition(v.count >= count, "potential must cover the FFT box")
        let vp = v.baseAddress!, plane = n2 * n3
        backward(x, layout: layout) { i, psi in
            let vi = vp + i * plane, d = doubles(psi)
            for r in 0..<plane { d[2 * r] *= vi[r]; d[2 * r + 1] *= vi[r] }
            forwardPlane(i, layout: layout)
        }
        finishForward(layout: layout, scale: 1 / Double(count), into: y)
    }

    /// rho(r) += weight · |Σ_G x_G e^{+iG·r}|² on the whole box.
    public func accumulateDensity(_ x: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout, weight: Double,
                                  into rho: UnsafeMutableBufferPointer<Double>) {
        precondition(rho.count >= count, "density must cover the FFT box")
        let r = rho.baseAddress!, plane = n2 * n3
        backward(x, layout: layout) { i, psi in
            let ri = r + i * plane, d = doubles(psi)
            for p in 0..<plane { ri[p] += weight * (d[2 * p] * d[2 * p] + d[2 * p + 1] * d[2 * p + 1]) }
        }
    }

    // MARK: - Array conveniences

    public func backward(_ coefficients: [Complex64], layout: SphereFFTLayout) -> [Complex64] {
        var values = [Complex64](repeating: .zero, count: count)
        coefficients.withUnsafeBufferPointer { c in
            values.withUnsafeMutableBufferPointer { backward(c, layout: layout, into: $0) }
        }
        return values
    }

    public func forward(_ values: [Complex64], layout: SphereFFTLayout, scale: Double) -> [Complex64] {
        var c = [Complex64](repeating: .zero, count: layout.fftIndex.count)
        values.withUnsafeBufferPointer { v in
            c.withUnsafeMutableBufferPointer { forward(v, layout: layout, scale: scale, into: $0) }
        }
        return c
    }

    // MARK: - Passes

    /// Backward transform of x, handing plane i of ψ(r) (n₂n₃ values in `valuePlane`, which the
    /// body may overwrite) to `body` for i = 0, 1, …, n₁−1.
    @inline(__always)
    private func backward(_ x: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout,
                          _ body: (Int, UnsafeMutablePointer<Complex64>) -> Void) {
        precondition(x.count >= layout.fftIndex.count, "fewer coefficients than plane waves")
        activate(layout)
        let plane = n2 * n3
        // scatter (off-sphere elements stay zero), pencils along i into pencilBox
        let a = sphereBox.baseAddress, b = pencilBox.baseAddress
        layout.fftIndex.withUnsafeBufferPointer { idx in
            for g in 0..<idx.count { a[Int(idx[g])] = x[g] }
        }
        for run in layout.pencils {
            let s = Int(run.start)
            pencilBackward[run.count]!.execute(a + s, b + s)
        }
        // plane by plane: sheets along j, rows along k
        let p = sheetPlane.baseAddress, q = valuePlane.baseAddress
        for i in 0..<n1 {
            let bi = b + i * plane
            for run in layout.sheets {
                let s = Int(run.start)
                sheetBackward[run.count]!.execute(bi + s, p + s)
            }
            rowBackward.execute(p, q)
            body(i, q)
        }
    }

    /// Forward transform of plane i (in `valuePlane`, destroyed) along k into `rowPlane`, then
    /// along j for the sheets into `resultBox`.
    @inline(__always)
    private func forwardPlane(_ i: Int, layout: SphereFFTLayout) {
        let w = rowPlane.baseAddress, ri = resultBox.baseAddress + i * n2 * n3
        rowForward.execute(valuePlane.baseAddress, w)
        for run in layout.sheets {
            let s = Int(run.start)
            sheetForward[run.count]!.execute(w + s, ri + s)
        }
    }

    /// After every plane went through `forwardPlane`: the pencils along i, gather the sphere
    /// times `scale`.
    private func finishForward(layout: SphereFFTLayout, scale: Double, into y: UnsafeMutableBufferPointer<Complex64>) {
        precondition(y.count >= layout.fftIndex.count, "fewer coefficients than plane waves")
        // pencils along i into pencilBox (only its pencils are written: it stays zero off them)
        let r = resultBox.baseAddress, c = pencilBox.baseAddress
        for run in layout.pencils {
            let s = Int(run.start)
            pencilForward[run.count]!.execute(r + s, c + s)
        }
        let cd = doubles(c), yd = doubles(y.baseAddress!)
        layout.fftIndex.withUnsafeBufferPointer { idx in
            for g in 0..<idx.count {
                let at = 2 * Int(idx[g])
                yd[2 * g] = cd[at] * scale
                yd[2 * g + 1] = cd[at + 1] * scale
            }
        }
    }

    /// The (real, imaginary) pairs of complex values. Element-wise arithmetic on these avoids the
    /// non-finite canonicalisation of `Complex.real`/`.imaginary`, which keeps loops from vectorising.
    @inline(__always)
    private func doubles(_ z: UnsafeMutablePointer<Complex64>) -> UnsafeMutablePointer<Double> {
        UnsafeMutableRawPointer(z).assumingMemoryBound(to: Double.self)
    }

    /// Makes the work arrays' zero regions those of `layout` and the batches its run lengths need.
    private func activate(_ layout: SphereFFTLayout) {
        precondition(layout.fftSize == fftSize, "layout of a \(layout.fftSize) grid used with a \(fftSize) FFT")
        if let a = active, a.fftIndex == layout.fftIndex, a.pencils == layout.pencils, a.sheets == layout.sheets { return }
        sphereBox.buffer.update(repeating: .zero)
        pencilBox.buffer.update(repeating: .zero)
        sheetPlane.buffer.update(repeating: .zero)
        active = layout
        let pencil = FFTBatch1D.Layout(stride: n2 * n3, distance: 1)
        for run in layout.pencils where pencilBackward[run.count] == nil {
            pencilBackward[run.count] = FFTBatch1D(length: n1, count: Int(run.count), input: pencil, output: pencil,
                                                   direction: .backward, inPlace: false, preserveInput: true,
                                                   measure: false, unaligned: unaligned)
            pencilForward[run.count] = FFTBatch1D(length: n1, count: Int(run.count), input: pencil, output: pencil,
                                                  direction: .forward, inPlace: false, measure: false, unaligned: unaligned)
        }
        let sheet = FFTBatch1D.Layout(stride: n3, distance: 1)
        for run in layout.sheets where sheetBackward[run.count] == nil {
            sheetBackward[run.count] = FFTBatch1D(length: n2, count: Int(run.count), input: sheet, output: sheet,
                                                  direction: .backward, inPlace: false, preserveInput: true,
                                                  measure: false, unaligned: unaligned)
            sheetForward[run.count] = FFTBatch1D(length: n2, count: Int(run.count), input: sheet, output: sheet,
                                                 direction: .forward, inPlace: false, measure: false, unaligned: unaligned)
        }
    }
}
