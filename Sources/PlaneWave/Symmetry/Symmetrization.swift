import Bindings
import Numerics
import Foundation

/// Symmetrises a density over the space group: ρ_sym(x) = (1/|G|) Σ_{(R,t)} ρ(Rx + t).
///
/// When every operation maps grid points onto grid points (R compatible with the grid and t·n
/// integer, as for GaAs and diamond Si on their usual grids), the sum runs over the orbit {gx} of x,
/// each member |G|/|orbit| times (orbit–stabiliser), so ρ_sym is the mean of ρ over the orbit: two
/// passes over the grid with the orbits found once. Otherwise it is done in Fourier space, where
/// ρ(Rx+t) has coefficient ρ_m e^{2πi m·t} at m′ = Rᵀm. Both evaluate the same trigonometric
/// interpolant at Rx + t. Together with k-point weights from the irreducible wedge this gives the
/// density of the full mesh.
public struct Symmetrization: Sendable {
    /// Orbit of each grid point (nil: no symmetry, or operations off the grid), and 1/|orbit|.
    let orbit: [Int32]?
    let inverseOrbitSize: [Double]
    let operations: Int

    public init(grid: FourierGrid) {
        let basis = grid.basis
        operations = basis.symmetries.count
        if operations <= 1 { orbit = nil; inverseOrbitSize = []; return }
        guard let maps = Symmetrization.gridMaps(basis.symmetries, size: basis.fftSize) else {
            orbit = nil; inverseOrbitSize = []; return
        }
        let n = basis.fftSize.reduce(1, *)
        var orbit = [Int32](repeating: -1, count: n)
        var sizes: [Int32] = []
        for i in 0..<n where orbit[i] < 0 {
            let id = Int32(sizes.count)
            var members: Int32 = 0
            for map in maps {
                let j = map(i)
                if orbit[j] != id { orbit[j] = id; members += 1 }
            }
            sizes.append(members)
        }
        self.orbit = orbit
        inverseOrbitSize = sizes.map { 1 / Double($0) }
    }

    /// Whether the orbit average is used (for tests).
    var usesOrbits: Bool { orbit != nil }

    public func symmetrize(_ rho: [Double], grid: FourierGrid) -> [Double] {
        if operations <= 1 { return rho }
        guard let orbit else { return Symmetrization.fourier(rho, grid: grid) }
        var sums = [Double](repeating: 0, count: inverseOrbitSize.count)
        var out = [Double](repeating: 0, count: rho.count)
        orbit.withUnsafeBufferPointer { o in
            sums.withUnsafeMutableBufferPointer { s in
                for i in 0..<o.count { s[Int(o[i])] += rho[i] }
                for j in 0..<s.count { s[j] *= inverseOrbitSize[j] }
                for i in 0..<o.count { out[i] = s[Int(o[i])] }
            }
        }
        return out
    }

    /// Grid index of Rx + t for every operation, or nil when one of them leaves the grid.
    /// x = (i/n₀, j/n₁, k/n₂) in reduced coordinates, index (i·n₁ + j)·n₂ + k.
    static func gridMaps(_ ops: [SymmetryOperation], size: [Int]) -> [(Int) -> Int]? {
        var maps: [(Int) -> Int] = []
        for op in ops {
            // integer matrix M_ab = R_ab n_a / n_b and shift s_a = t_a n_a
            var m = [[Int]](repeating: [0, 0, 0], count: 3)
            var shift = [0, 0, 0]
            for a in 0..<3 {
                for b in 0..<3 {
                    let num = op.rotation[a][b] * size[a]
                    if num % size[b] != 0 { return nil }
                    m[a][b] = num / size[b]
                }
                let s = op.translation[a] * Double(size[a])
                if abs(s - s.rounded()) > 1e-6 { return nil }
                shift[a] = Int(s.rounded())
            }
            let (n0, n1, n2) = (size[0], size[1], size[2])
            maps.append { i in
                let x = i / (n1 * n2), y = (i / n2) % n1, z = i % n2
                var r = [0, 0, 0]
                for a in 0..<3 { r[a] = m[a][0] * x + m[a][1] * y + m[a][2] * z + shift[a] }
                let u = ((r[0] % n0) + n0) % n0, v = ((r[1] % n1) + n1) % n1, w = ((r[2] % n2) + n2) % n2
                return (u * n1 + v) * n2 + w
            }
        }
        return maps
    }

    /// The Fourier-space sum, for operations that do not map the grid onto itself.
    static func fourier(_ rho: [Double], grid: FourierGrid) -> [Double] {
        let basis = grid.basis
        let ops = basis.symmetries
        let rhoG = grid.fourier(rho)
        var acc = [Complex64](repeating: .zero, count: rhoG.count)
        let n0 = basis.fftSize[0], n1 = basis.fftSize[1], n2 = basis.fftSize[2]
        /// x mod n in 0..<n; images of box Miller indices are rarely more than one period away
        @inline(__always) func wrap(_ x: Int, _ n: Int) -> Int {
            if x >= 0 && x < n { return x }
            if x < 0 && x >= -n { return x + n }
            return (x % n + n) % n
        }
        rhoG.withUnsafeBufferPointer { src in
            acc.withUnsafeMutableBufferPointer { dst in
                for op in ops {
                    let r = op.rotation, t = op.translation
                    let trivial = t == .zero
                    // m′ = Rᵀ m
                    let r00 = r[0][0], r10 = r[1][0], r20 = r[2][0]
                    let r01 = r[0][1], r11 = r[1][1], r21 = r[2][1]
                    let r02 = r[0][2], r12 = r[1][2], r22 = r[2][2]
                    grid.forEachMiller { i, m in
                        let mx = Int(m.x), my = Int(m.y), mz = Int(m.z)
                        let a = wrap(r00 * mx + r10 * my + r20 * mz, n0)
                        let b = wrap(r01 * mx + r11 * my + r21 * mz, n1)
                        let c = wrap(r02 * mx + r12 * my + r22 * mz, n2)
                        var v = src[i]
                        if !trivial {
                            let phase = 2 * Double.pi * (Double(mx) * t.x + Double(my) * t.y + Double(mz) * t.z)
                            v = v * Complex64(cos(phase), sin(phase))
                        }
                        dst[(a * n1 + b) * n2 + c] += v
                    }
                }
            }
        }
        let s = 1 / Double(ops.count)
        return grid.real(acc.map { $0 * s })
    }
}
