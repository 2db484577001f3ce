import Bindings
import Foundation

/// A radial grid of a tabulated pseudopotential: the points r_k and the derivatives
/// rab_k = dr/dx at them, where x = k is the point index (UPF's PP_R and PP_RAB). A linear grid
/// from 0 (ONCVPSP, psp8) has r_k = k·Δr and rab_k = Δr; a logarithmic one r_k = e^{x_min + k·dx}/Z
/// has rab_k = r_k·dx.
///
/// Integrals are the trapezoidal rule in x: ∫ f(r) dr = ∫ f(r(x)) rab(x) dx ≈ Σ_k w_k f(r_k) rab_k,
/// w = ½ at both ends and 1 elsewhere. On a linear grid from 0 this is the ordinary trapezoidal
/// rule, accurate to high order because the integrands used here (r² times an even function, or
/// r^{l+2} times a projector) vanish with their odd derivatives at r = 0 and decay at the end.
/// On a logarithmic grid the piece from 0 to r_0 is left out (r_0 ≈ 1e-4 bohr or less: r²f is
/// negligible there).
public struct RadialGrid: Sendable, Equatable {
    /// r_k (bohr), increasing.
    public let r: [Double]
    /// dr/dk at each point (bohr).
    public let rab: [Double]

    /// `field`/`file` name the input in errors: the two arrays must have the same length (at least
    /// 4), be finite, and r must increase with r_0 ≥ 0 and rab > 0.
    public init(r: [Double], rab: [Double], field: String = "pseudopotentials", file: String? = nil) throws {
        guard r.count == rab.count, r.count >= 4 else {
            throw InputError(field, "the radial grid has \(r.count) points and \(rab.count) weights (need as many, at least 4)", file: file)
        }
        guard r.allSatisfy(\.isFinite), rab.allSatisfy({ $0.isFinite && $0 > 0 }), r[0] >= 0,
              zip(r, r.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw InputError(field, "the radial grid must increase from r ≥ 0 with positive finite rab", file: file)
        }
        self.r = r
        self.rab = rab
    }

    /// The linear grid r_k = k·Δr, k = 0..<count (psp8).
    public init(uniformSpacing dr: Double, count: Int) {
        r = (0..<count).map { Double($0) * dr }
        rab = [Double](repeating: dr, count: count)
    }

    public var count: Int { r.count }

    /// The first `n` points.
    public func prefix(_ n: Int) -> RadialGrid {
        let m = min(max(n, 0), count)
        return RadialGrid(uncheckedR: Array(r.prefix(m)), rab: Array(rab.prefix(m)))
    }

    /// Number of points up to and including the first one beyond `radius` (all of them when the
    /// grid ends before it).
    public func pointCount(through radius: Double) -> Int {
        guard let k = r.firstIndex(where: { $0 > radius }) else { return count }
        return k + 1
    }

    private init(uncheckedR r: [Double], rab: [Double]) { self.r = r; self.rab = rab }

    /// ∫ f(r) dr (trapezoidal in the point index); f has one value per point.
    public func integrate(_ f: [Double]) -> Double {
        var s = 0.0
        let last = min(f.count, count) - 1
        guard last > 0 else { return 0 }
        for k in 0...last where f[k] != 0 {
            s += (k == 0 || k == last ? 0.5 : 1) * f[k] * rab[k]
        }
        return s
    }

    /// 4π ∫ f(r) j_l(qr) dr; f already carries the r² weight (and any power of r).
    public func transform(_ f: [Double], l: Int, q: Double) -> Double {
        var s = 0.0
        let last = min(f.count, count) - 1
        guard last > 0 else { return 0 }
        for k in 0...last where f[k] != 0 {
            let w = k == 0 || k == last ? 0.5 : 1
            s += w * f[k] * rab[k] * sphericalBessel(l, q * r[k])
        }
        return 4 * Double.pi * s
    }

    /// `transform` of each function at each q: `result[i][n]` = 4π ∫ fᵢ(r) j_lᵢ(q_n r) dr, the same
    /// sums in the same order, but every j_l(q_n r_k) is evaluated once for all the functions (one sine
    /// and one cosine per grid point and q instead of one per function).
    public func transforms(_ functions: [(f: [Double], l: Int)], at qs: [Double]) -> [[Double]] {
        let lasts = functions.map { min($0.f.count, count) - 1 }
        let points = (lasts.max() ?? -1) + 1
        let maxL = functions.map(\.l).max() ?? 0
        // w_k f(r_k) rab_k per function, zero past its end: the weight of the trapezoidal rule folded in
        let weighted = zip(functions, lasts).map { fn, last in
            (0..<points).map { k in k > last || last <= 0 ? 0 : (k == 0 || k == last ? 0.5 : 1) * fn.f[k] * rab[k] }
        }
        var result = [[Double]](repeating: [Double](repeating: 0, count: qs.count), count: functions.count)
        var j = [Double](repeating: 0, count: maxL + 1)
        for (n, q) in qs.enumerated() {
            var sums = [Double](repeating: 0, count: functions.count)
            for k in 0..<points {
                sphericalBessels(upTo: maxL, q * r[k], into: &j)
                for i in functions.indices where weighted[i][k] != 0 {
                    sums[i] += weighted[i][k] * j[functions[i].l]
                }
            }
            for i in functions.indices { result[i][n] = 4 * Double.pi * sums[i] }
        }
        return result
    }
}
