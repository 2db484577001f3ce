import Foundation
import Numerics
import CFFTW

/// FFTW's planner (plan creation and destruction) is not thread-safe: every binding that plans
/// (FFT3D, SlabFFT) does so inside `FFTWPlanner.locked`, so plans may be made from any thread.
public enum FFTWPlanner {
    private static let lock = NSLock()
    public static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// An in-place 3-D complex FFT of size n₁×n₂×n₃ whose plans own one FFTW-aligned buffer.
///
/// Layout is row-major with the last index fastest: element (i, j, k) at (i·n₂ + j)·n₃ + k.
/// `forward` computes f(G) = Σ_r f(r) e^{−iG·r} (unnormalised), `backward` the same with e^{+iG·r};
/// backward(forward(x)) = N·x. Planning is not thread-safe: create plans on one thread.
public final class FFT3D: @unchecked Sendable {
    public let n: (Int, Int, Int)
    public let count: Int
    /// The aligned work buffer the plans act on.
    public let buffer: UnsafeMutableBufferPointer<Complex64>
    private let raw: UnsafeMutablePointer<fftw_complex>
    private let forwardPlan: fftw_plan
    private let backwardPlan: fftw_plan

    /// `measure` = FFTW_MEASURE (slower planning, faster transforms); the buffer is zeroed after planning.
    public init(_ n1: Int, _ n2: Int, _ n3: Int, measure: Bool = true) {
        precondition(n1 > 0 && n2 > 0 && n3 > 0, "FFT sizes must be positive")
        n = (n1, n2, n3)
        count = n1 * n2 * n3
        raw = fftw_alloc_complex(count)!
        let flags = measure ? FFTW_MEASURE : FFTW_ESTIMATE
        let buf = raw
        (forwardPlan, backwardPlan) = FFTWPlanner.locked {
            (fftw_plan_dft_3d(Int32(n1), Int32(n2), Int32(n3), buf, buf, FFTW_FORWARD, flags)!,
             fftw_plan_dft_3d(Int32(n1), Int32(n2), Int32(n3), buf, buf, FFTW_BACKWARD, flags)!)
        }
        buffer = UnsafeMutableBufferPointer(
            start: UnsafeMutableRawPointer(raw).bindMemory(to: Complex64.self, capacity: count), count: count)
        buffer.update(repeating: .zero)
    }

    deinit {
        FFTWPlanner.locked {
            fftw_destroy_plan(forwardPlan)
            fftw_destroy_plan(backwardPlan)
        }
        fftw_free(raw)
    }

    /// buffer ← Σ_r buffer(r) e^{−iG·r}
    public func forward() { fftw_execute(forwardPlan) }
    /// buffer ← Σ_G buffer(G) e^{+iG·r}
    public func backward() { fftw_execute(backwardPlan) }

    /// Index of the grid point (i, j, k), each taken modulo its size.
    @inlinable public func index(_ i: Int, _ j: Int, _ k: Int) -> Int {
        let a = ((i % n.0) + n.0) % n.0, b = ((j % n.1) + n.1) % n.1, c = ((k % n.2) + n.2) % n.2
        return (a * n.1 + b) * n.2 + c
    }

    /// True when every prime factor of `n` is 2, 3, 5 or 7 (sizes FFTW transforms fastest).
    public static func isFriendly(_ n: Int) -> Bool {
        var m = n
        for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
        return m == 1
    }

    /// Smallest FFTW-friendly size ≥ `n`.
    public static func friendlySize(atLeast n: Int) -> Int {
        var m = max(1, n)
        while !isFriendly(m) { m += 1 }
        return m
    }
}
