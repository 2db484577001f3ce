import Foundation
import Numerics
import CFFTW

/// A complex buffer allocated by FFTW (`fftw_alloc_complex`, SIMD-aligned), zeroed on creation.
public final class FFTWBuffer: @unchecked Sendable {
    public let count: Int
    public let buffer: UnsafeMutableBufferPointer<Complex64>
    private let raw: UnsafeMutablePointer<fftw_complex>

    public init(count: Int) {
        precondition(count > 0, "FFTW buffers must not be empty")
        self.count = count
        raw = fftw_alloc_complex(count)!
        buffer = UnsafeMutableBufferPointer(
            start: UnsafeMutableRawPointer(raw).bindMemory(to: Complex64.self, capacity: count), count: count)
        buffer.update(repeating: .zero)
    }

    deinit { fftw_free(raw) }

    public var baseAddress: UnsafeMutablePointer<Complex64> { buffer.baseAddress! }
}

/// A batch of `count` 1-D complex transforms of length `length` (FFTW's rank-1
/// `fftw_plan_many_dft`), element m of transform t at `t·distance + m·stride` of the input
/// (resp. output) array. The plan is made once on temporary arrays (so FFTW_MEASURE never
/// overwrites caller data) and executed on arrays given at each call (FFTW's new-array execute),
/// so one plan serves any offset into any buffer of sufficient extent.
///
/// Unnormalised, like FFTW: `.forward` is Σ_m x_m e^{−2πi mn/L}, `.backward` the same with e^{+…}.
/// Planning is serialised through `FFTWPlanner`; executing is thread-safe on distinct arrays.
public final class FFTBatch1D: @unchecked Sendable {
    public enum Direction: Sendable { case forward, backward }
    public struct Layout: Sendable, Equatable {
        public var stride: Int
        public var distance: Int
        public init(stride: Int, distance: Int) { self.stride = stride; self.distance = distance }
    }

    public let length: Int
    public let count: Int
    public let input: Layout
    public let output: Layout
    public let inPlace: Bool
    /// Planned with FFTW_UNALIGNED: executable on arrays of any alignment. Otherwise every array
    /// must have FFTW's SIMD alignment (`fftw_alignment_of` = 0), e.g. any element of an `FFTWBuffer`
    /// (FFTW's SIMD alignment for double complex is one element) — checked at every call (fatal error).
    public let unaligned: Bool
    private let plan: fftw_plan

    /// - Parameters:
    ///   - inPlace: the plan may only be executed with input = output (then `output` must equal `input`).
    ///   - preserveInput: an out-of-place transform leaves its input untouched (FFTW_PRESERVE_INPUT).
    ///   - measure: FFTW_MEASURE rather than FFTW_ESTIMATE.
    public init(length: Int, count: Int, input: Layout, output: Layout, direction: Direction,
                inPlace: Bool, preserveInput: Bool = false, measure: Bool = true, unaligned: Bool = false) {
        precondition(length > 0 && count > 0, "FFT length and count must be positive")
        precondition(!inPlace || input == output, "an in-place batch needs equal input and output layouts")
        self.length = length; self.count = count; self.input = input; self.output = output
        self.inPlace = inPlace; self.unaligned = unaligned
        let inExtent = FFTBatch1D.extent(length, count, input)
        let outExtent = FFTBatch1D.extent(length, count, output)
        // Planning arrays: FFTW reads them only while planning (the plan is only ever executed
        // through the new-array interface), so they are freed right after.
        let a = fftw_alloc_complex(inPlace ? max(inExtent, outExtent) : inExtent)!
        let b = inPlace ? a : fftw_alloc_complex(outExtent)!
        defer { fftw_free(a); if !inPlace { fftw_free(b) } }
        var flags = measure ? FFTW_MEASURE : FFTW_ESTIMATE
        if preserveInput && !inPlace { flags |= FFTW_PRESERVE_INPUT }
        if unaligned { flags |= FFTW_UNALIGNED }
        let sign = direction == .forward ? FFTW_FORWARD : FFTW_BACKWARD
        var n = Int32(length)
        plan = FFTWPlanner.locked {
            fftw_plan_many_dft(1, &n, Int32(count),
                               a, nil, Int32(input.stride), Int32(input.distance),
                               b, nil, Int32(output.stride), Int32(output.distance),
                               sign, flags)!
        }
    }

    deinit {
        FFTWPlanner.locked { fftw_destroy_plan(plan) }
    }

    /// True when FFTW's SIMD alignment is at most one complex element (16 bytes), so that every
    /// element of an `FFTWBuffer` may be handed to an aligned plan.
    public static let elementAligned: Bool = {
        let p = fftw_alloc_complex(2)!
        defer { fftw_free(p) }
        return fftw_alignment_of(UnsafeMutableRawPointer(p + 1).assumingMemoryBound(to: Double.self)) == 0
    }()

    /// Number of elements an array must hold past the pointer handed to `execute`.
    public static func extent(_ length: Int, _ count: Int, _ layout: Layout) -> Int {
        (length - 1) * layout.stride + (count - 1) * layout.distance + 1
    }

    /// Transforms `input` into `output` (out-of-place plans; `input` is clobbered unless planned
    /// with `preserveInput`).
    @inline(__always)
    public func execute(_ input: UnsafeMutablePointer<Complex64>, _ output: UnsafeMutablePointer<Complex64>) {
        precondition(!inPlace || input == output, "in-place plan executed out of place")
        precondition(inPlace || input != output, "out-of-place plan executed in place")
        let i = UnsafeMutableRawPointer(input).assumingMemoryBound(to: fftw_complex.self)
        let o = UnsafeMutableRawPointer(output).assumingMemoryBound(to: fftw_complex.self)
        if !unaligned, fftw_alignment_of(UnsafeMutableRawPointer(input).assumingMemoryBound(to: Double.self)) != 0
            || fftw_alignment_of(UnsafeMutableRawPointer(output).assumingMemoryBound(to: Double.self)) != 0 {
            fatalError("FFTBatch1D: array not SIMD-aligned for an aligned FFTW plan")
        }
        fftw_execute_dft(plan, i, o)
    }

    /// Transforms `data` in place (in-place plans).
    @inline(__always)
    public func execute(inPlace data: UnsafeMutablePointer<Complex64>) { execute(data, data) }
}
