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
        for op in ops {
            let r = op.rotation
            let t = op.translation
            let trivial = t == .zero
            for (i, m) in basis.gridMillers.enumerated() {
                let mx = Int(m.x), my = Int(m.y), mz = Int(m.z)
                // m′ = Rᵀ m
                let target = SIMD3(Int32(r[0][0] * mx + r[1][0] * my + r[2][0] * mz),
                                   Int32(r[0][1] * mx + r[1][1] * my + r[2][1] * mz),
                                   Int32(r[0][2] * mx + r[1][2] * my + r[2][2] * mz))
                var v = rhoG[i]
                if !trivial {
                    let phase = 2 * Double.pi * (Double(mx) * t.x + Double(my) * t.y + Double(mz) * t.z)
                    v = v * Complex64(cos(phase), sin(phase))
                }
                acc[basis.gridIndex(target)] += v
            }
        }
        let s = 1 / Double(ops.count)
        return grid.real(acc.map { $0 * s })
    }
}
