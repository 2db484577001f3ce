import Bindings
import Numerics
import Foundation

/// Symmetrises a density over the space group: ρ_sym(x) = (1/|G|) Σ_{(R,t)} ρ(Rx + t).
/// In Fourier space ρ(Rx+t) has coefficient ρ_m e^{2πi m·t} at m′ = Rᵀm, so each coefficient is
/// scattered to its images. Together with k-point weights from the irreducible wedge this gives
/// the density of the full mesh.
public enum Symmetrization {
    public static func symmetrize(_ rho: [Double], grid: FourierGrid) -> [Double] {
        let basis = grid.basis
        let ops = basis.symmetries
        if ops.count <= 1 { return rho }
        let rhoG = grid.fourier(rho)
        var acc = [Complex64](repeating: .zero, count: rhoG.count)
        let n0 = basis.fftSize[0], n1 = basis.fftSize[1], n2 = basis.fftSize[2]
        /// x mod n in 0..<n; images of box Miller indices are rarely more than one period away
        @inline(__always) func wrap(_ x: Int, _ n: Int) -> Int {
            if x >= 0 && x < n { return x }
            if x < 0 && x >= -n { return x + n }
            return (x % n + n) % n
        }
        basis.gridMillers.withUnsafeBufferPointer { millers in
            rhoG.withUnsafeBufferPointer { src in
                acc.withUnsafeMutableBufferPointer { dst in
                    for op in ops {
                        let r = op.rotation, t = op.translation
                        let trivial = t == .zero
                        // m′ = Rᵀ m
                        let r00 = r[0][0], r10 = r[1][0], r20 = r[2][0]
                        let r01 = r[0][1], r11 = r[1][1], r21 = r[2][1]
                        let r02 = r[0][2], r12 = r[1][2], r22 = r[2][2]
                        for i in 0..<millers.count {
                            let m = millers[i]
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
        }
        let s = 1 / Double(ops.count)
        return grid.real(acc.map { $0 * s })
    }
}
