import Bindings
import Numerics

/// Where the plane-wave sphere of one k-point sits in the FFT box, for the pruned transforms of
/// `WavefunctionFFT`: the box columns (i, j, ·) and the planes (i, ·, ·) that hold sphere points.
///
/// The box is row-major with the last index fastest, (i·n₂ + j)·n₃ + k; column c = i·n₂ + j is the
/// n₃ contiguous elements from c·n₃. The sphere (radius √(2 ecut)) fills about a fifth of the
/// columns and half the planes of a box sized for the density (radius 2√(2 ecut)).
public struct SphereFFTLayout: Sendable, Equatable {
    /// A run of consecutive columns, start…start+count−1 (contiguous in memory, possibly
    /// crossing from one plane into the next).
    public struct Run: Sendable, Equatable {
        public let start: Int32
        public let count: Int32
    }

    public let fftSize: [Int]
    /// Box position of every plane wave, in the basis order (as `KBasis.fftIndex`).
    public let fftIndex: [Int32]
    /// Planes i holding sphere points, ascending.
    public let planes: [Int32]
    /// Maximal runs of columns holding sphere points, ascending, with runs separated by at most
    /// `mergeGap` empty columns joined (those columns are transformed as zeros).
    public let runs: [Run]
    /// Number of columns the runs cover.
    public var columnCount: Int { runs.reduce(0) { $0 + Int($1.count) } }

    public init(fftIndex: [Int32], fftSize: [Int], mergeGap: Int = 0) {
        precondition(fftSize.count == 3 && fftSize.allSatisfy { $0 > 0 }, "FFT size must be three positive integers")
        let n2 = fftSize[1], n3 = fftSize[2]
        let columns = fftSize[0] * n2
        var columnUsed = [Bool](repeating: false, count: columns)
        var planeUsed = [Bool](repeating: false, count: fftSize[0])
        for g in fftIndex {
            let c = Int(g) / n3
            precondition(g >= 0 && c < columns, "plane wave outside the FFT box")
            columnUsed[c] = true
            planeUsed[c / n2] = true
        }
        var runs: [Run] = []
        var c = 0
        while c < columns {
            guard columnUsed[c] else { c += 1; continue }
            var end = c + 1                                   // one past the last used column of the run
            var probe = end
            while probe < columns {
                if columnUsed[probe] { end = probe + 1; probe += 1 }
                else if probe - end < mergeGap { probe += 1 }  // still within a mergeable gap
                else { break }
            }
            runs.append(Run(start: Int32(c), count: Int32(end - c)))
            c = end
        }
        self.fftSize = fftSize
        self.fftIndex = fftIndex
        self.planes = planeUsed.indices.filter { planeUsed[$0] }.map { Int32($0) }
        self.runs = runs
    }

    public init(kbasis: KBasis, fftSize: [Int], mergeGap: Int = 0) {
        self.init(fftIndex: kbasis.fftIndex, fftSize: fftSize, mergeGap: mergeGap)
    }
}

/// Sphere-pruned 3-D FFTs between plane-wave coefficients on one k-point's sphere and values on
/// the full real-space box, with the same results as a full 3-D FFT (to rounding).
///
/// Backward (G → r): 1-D transforms along the fastest axis k only in the columns holding sphere
/// points, along j only in the planes holding sphere points, then along i everywhere; forward
/// (r → G) in the reverse order, keeping only the sphere. The last (full) pass is done one
/// j-slab (n₁ × n₃ values) at a time into a small cache-resident buffer, fused with what is done
/// to the real-space values (multiply by V(r), accumulate |ψ(r)|²), so the full box is never
/// transformed in place or zeroed per band.
///
/// Work arrays: `columns` (zero outside the current layout's runs), `planes` (zero outside the
/// current layout's planes), `result` (scratch), `slab`. A change of layout re-zeroes them.
/// Owns its buffers and plans: not thread-safe, use one instance per thread.
public final class WavefunctionFFT: @unchecked Sendable {
    public let fftSize: [Int]
    /// n₁·n₂·n₃
    public let count: Int
    let n1: Int, n2: Int, n3: Int
    let columns: FFTWBuffer
    let planes: FFTWBuffer
    let result: FFTWBuffer
    let slab: FFTWBuffer
    /// Batched column transforms (length n₃, contiguous), 1, 2, 4, … columns per call.
    let columnBackward: [FFTBatch1D]
    let columnForward: [FFTBatch1D]
    /// Along j in one plane (length n₂, stride n₃, n₃ transforms): columns → planes (input kept),
    /// and in place for the forward direction.
    let planeBackward: FFTBatch1D
    let planeForward: FFTBatch1D
    /// Along i in one j-slab (length n₁, stride n₂n₃ in the box, n₃ in the slab buffer, n₃
    /// transforms): box → slab (input kept) and slab → box.
    let slabBackward: FFTBatch1D
    let slabForward: FFTBatch1D
    private var activeRuns: [SphereFFTLayout.Run] = []
    private var activePlanes: [Int32] = []

    public static let maximumBatch = 16

    public init(fftSize: [Int], measure: Bool = true) {
        precondition(fftSize.count == 3 && fftSize.allSatisfy { $0 > 0 }, "FFT size must be three positive integers")
        self.fftSize = fftSize
        n1 = fftSize[0]; n2 = fftSize[1]; n3 = fftSize[2]
        count = n1 * n2 * n3
        columns = FFTWBuffer(count: count)
        planes = FFTWBuffer(count: count)
        result = FFTWBuffer(count: count)
        slab = FFTWBuffer(count: n1 * n3)
        let unaligned = !FFTBatch1D.elementAligned
        let (n1, n2, n3) = (self.n1, self.n2, self.n3)
        var cb: [FFTBatch1D] = [], cf: [FFTBatch1D] = []
        var h = 1
        while h <= min(WavefunctionFFT.maximumBatch, n1 * n2) {
            let col = FFTBatch1D.Layout(stride: 1, distance: n3)
            cb.append(FFTBatch1D(length: n3, count: h, input: col, output: col, direction: .backward,
                                 inPlace: true, measure: measure, unaligned: unaligned))
            cf.append(FFTBatch1D(length: n3, count: h, input: col, output: col, direction: .forward,
                                 inPlace: true, measure: measure, unaligned: unaligned))
            h *= 2
        }
        columnBackward = cb
        columnForward = cf
        let plane = FFTBatch1D.Layout(stride: n3, distance: 1)
        planeBackward = FFTBatch1D(length: n2, count: n3, input: plane, output: plane, direction: .backward,
                                   inPlace: false, preserveInput: true, measure: measure, unaligned: unaligned)
        planeForward = FFTBatch1D(length: n2, count: n3, input: plane, output: plane, direction: .forward,
                                  inPlace: true, measure: measure, unaligned: unaligned)
        let box = FFTBatch1D.Layout(stride: n2 * n3, distance: 1)
        let compact = FFTBatch1D.Layout(stride: n3, distance: 1)
        slabBackward = FFTBatch1D(length: n1, count: n3, input: box, output: compact, direction: .backward,
                                  inPlace: false, preserveInput: true, measure: measure, unaligned: unaligned)
        slabForward = FFTBatch1D(length: n1, count: n3, input: compact, output: box, direction: .forward,
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
        load(coefficients, layout: layout)
        let t = slab.baseAddress, out = values.baseAddress!
        for j in 0..<n2 {
            slabBackward.execute(planes.baseAddress + j * n3, t)
            for i in 0..<n1 { (out + (i * n2 + j) * n3).update(from: t + i * n3, count: n3) }
        }
    }

    /// c_G = scale · Σ_r values(r) e^{−iG·r} for the sphere's G (unnormalised for scale = 1, as
    /// FFTW_FORWARD; scale = 1/N gives Fourier coefficients).
    public func forward(_ values: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout, scale: Double,
                        into coefficients: UnsafeMutableBufferPointer<Complex64>) {
        precondition(values.count == count, "values must cover the FFT box")
        let t = slab.baseAddress, src = values.baseAddress!
        for j in 0..<n2 {
            for i in 0..<n1 { (t + i * n3).update(from: src + (i * n2 + j) * n3, count: n3) }
            slabForward.execute(t, result.baseAddress + j * n3)
        }
        store(layout: layout, scale: scale, into: coefficients)
    }

    /// y_G = (1/N) Σ_r e^{−iG·r} V(r) Σ_G′ x_G′ e^{+iG′·r}: the local potential applied to one
    /// coefficient vector (overwrites y).
    public func applyPotential(_ v: UnsafeBufferPointer<Double>, to x: UnsafeBufferPointer<Complex64>,
                               layout: SphereFFTLayout, into y: UnsafeMutableBufferPointer<Complex64>) {
        precondition(v.count >= count, "potential must cover the FFT box")
        load(x, layout: layout)
        let t = slab.baseAddress, vp = v.baseAddress!
        let (n1, n2, n3) = (self.n1, self.n2, self.n3)
        for j in 0..<n2 {
            slabBackward.execute(planes.baseAddress + j * n3, t)
            for i in 0..<n1 {
                let row = t + i * n3, vrow = vp + (i * n2 + j) * n3
                for k in 0..<n3 { row[k] = row[k] * vrow[k] }
            }
            slabForward.execute(t, result.baseAddress + j * n3)
        }
        store(layout: layout, scale: 1 / Double(count), into: y)
    }

    /// rho(r) += weight · |Σ_G x_G e^{+iG·r}|² on the whole box.
    public func accumulateDensity(_ x: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout, weight: Double,
                                  into rho: UnsafeMutableBufferPointer<Double>) {
        precondition(rho.count >= count, "density must cover the FFT box")
        load(x, layout: layout)
        let t = slab.baseAddress, r = rho.baseAddress!
        let (n1, n2, n3) = (self.n1, self.n2, self.n3)
        for j in 0..<n2 {
            slabBackward.execute(planes.baseAddress + j * n3, t)
            for i in 0..<n1 {
                let row = t + i * n3, rrow = r + (i * n2 + j) * n3
                for k in 0..<n3 { rrow[k] += weight * row[k].norm2 }
            }
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

    /// Makes the work arrays' zero regions those of `layout`.
    private func activate(_ layout: SphereFFTLayout) {
        precondition(layout.fftSize == fftSize, "layout of a \(layout.fftSize) grid used with a \(fftSize) FFT")
        if layout.runs == activeRuns && layout.planes == activePlanes { return }
        columns.buffer.update(repeating: .zero)
        planes.buffer.update(repeating: .zero)
        activeRuns = layout.runs
        activePlanes = layout.planes
    }

    /// Scatter the sphere into the columns, transform the columns along k, then the planes along j
    /// into `planes`. Afterwards `planes` holds the backward transform along j and k.
    private func load(_ x: UnsafeBufferPointer<Complex64>, layout: SphereFFTLayout) {
        precondition(x.count >= layout.fftIndex.count, "fewer coefficients than plane waves")
        activate(layout)
        let a = columns.baseAddress, n3 = self.n3
        for run in layout.runs { (a + Int(run.start) * n3).update(repeating: .zero, count: Int(run.count) * n3) }
        layout.fftIndex.withUnsafeBufferPointer { idx in
            for g in 0..<idx.count { a[Int(idx[g])] = x[g] }
        }
        transformColumns(a, runs: layout.runs, plans: columnBackward)
        let b = planes.baseAddress, stride = n2 * n3
        for p in layout.planes { planeBackward.execute(a + Int(p) * stride, b + Int(p) * stride) }
    }

    /// After the pass along i into `result`: the planes along j, the columns along k, gather the
    /// sphere times `scale`.
    private func store(layout: SphereFFTLayout, scale: Double, into y: UnsafeMutableBufferPointer<Complex64>) {
        precondition(y.count >= layout.fftIndex.count, "fewer coefficients than plane waves")
        let c = result.baseAddress, stride = n2 * n3
        for p in layout.planes { planeForward.execute(inPlace: c + Int(p) * stride) }
        transformColumns(c, runs: layout.runs, plans: columnForward)
        layout.fftIndex.withUnsafeBufferPointer { idx in
            for g in 0..<idx.count { y[g] = c[Int(idx[g])] * scale }
        }
    }

    private func transformColumns(_ base: UnsafeMutablePointer<Complex64>, runs: [SphereFFTLayout.Run], plans: [FFTBatch1D]) {
        let n3 = self.n3, top = plans.count - 1
        for run in runs {
            var c = Int(run.start), left = Int(run.count)
            while left > 0 {
                let level = min(top, Int.bitWidth - 1 - left.leadingZeroBitCount)   // largest 2^level ≤ left
                plans[level].execute(inPlace: base + c * n3)
                c += 1 << level
                left -= 1 << level
            }
        }
    }
}
