/// Symmetrises a stress tensor over the crystal's point group: σ^sym = (1/|G|) Σ_R R_c σ R_cᵀ,
/// with R_c = A R A⁻¹ the rotation of each space-group operation acting on Cartesian vectors (as in
/// `ForceSymmetrization`). A sum over the irreducible k-points gives the full mesh's stress only
/// after this; a cubic crystal's comes out isotropic. With the identity alone, σ unchanged.
public enum StressSymmetrization {
    public static func symmetrize(_ sigma: [SIMD3<Double>], lattice: Lattice, operations: [SymmetryOperation]) -> [SIMD3<Double>] {
        if operations.count <= 1 { return sigma }
        var out = Tensor3.zero
        for op in operations {
            let r = op.rotation
            func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> {
                let x = lattice.reduced(cartesian: v)
                return lattice.cartesian(reduced: SIMD3((0..<3).map { i in Double(r[i][0]) * x.x + Double(r[i][1]) * x.y + Double(r[i][2]) * x.z }))
            }
            // columns of R_c
            let c = Tensor3.identity.map(rotate)
            // (R_c σ R_cᵀ)_αβ = Σ_γδ R_αγ σ_γδ R_βδ, R_αγ = c[γ][α]
            for a in 0..<3 { for b in 0..<3 {
                var s = 0.0
                for g in 0..<3 { for d in 0..<3 { s += c[g][a] * sigma[g][d] * c[d][b] } }
                out[a][b] += s
            } }
        }
        return out.map { $0 / Double(operations.count) }
    }
}
