import Foundation

/// Symmetrises atomic forces over the space group: F_a^sym = (1/|G|) Σ_{(R,t)} R_c F_{b(a)}, where
/// (R, t) maps atom b to atom a (R τ_b + t ≡ τ_a modulo the lattice, reduced coordinates) and
/// R_c = A R A⁻¹ is its rotation acting on Cartesian vectors (A: the lattice vectors as columns).
/// A sum over the irreducible k-points gives forces of the full mesh only after this, as the
/// density needs `Symmetrization`; forces of a symmetric structure come out with its symmetry
/// (zero on an atom at a site of cubic symmetry). With the identity alone, the forces unchanged.
public enum ForceSymmetrization {
    public static func symmetrize(_ forces: [SIMD3<Double>], crystal: Crystal, operations: [SymmetryOperation]) -> [SIMD3<Double>] {
        if operations.count <= 1 { return forces }
        let lattice = crystal.lattice
        let positions = crystal.atoms.map(\.position)
        var out = [SIMD3<Double>](repeating: .zero, count: forces.count)
        for op in operations {
            let r = op.rotation
            func rotate(_ x: SIMD3<Double>) -> SIMD3<Double> {
                SIMD3((0..<3).map { i in Double(r[i][0]) * x.x + Double(r[i][1]) * x.y + Double(r[i][2]) * x.z })
            }
            for b in positions.indices {
                let image = rotate(positions[b]) + op.translation
                guard let a = positions.indices.first(where: { a in
                    let d = image - positions[a], e = d - d.rounded(.toNearestOrAwayFromZero)
                    return crystal.atoms[a].species == crystal.atoms[b].species && max(abs(e.x), abs(e.y), abs(e.z)) < 1e-5
                }) else { preconditionFailure("symmetry operation maps atom \(b) onto no atom") }
                out[a] += lattice.cartesian(reduced: rotate(lattice.reduced(cartesian: forces[b])))
            }
        }
        return out.map { $0 / Double(operations.count) }
    }
}
