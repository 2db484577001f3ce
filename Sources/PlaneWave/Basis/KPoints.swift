import Bindings

/// A k-point in reduced reciprocal coordinates with its Brillouin-zone weight (Σ w = 1).
public struct KPoint: Sendable, Equatable {
    public let reduced: SIMD3<Double>
    public let weight: Double
}

/// A space-group operation in reduced coordinates, x′ = R x + t.
public struct SymmetryOperation: Sendable, Equatable {
    public let rotation: [[Int]]
    public let translation: SIMD3<Double>
    public static let identity = SymmetryOperation(rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], translation: .zero)
}

/// Monkhorst–Pack meshes and their reduction by the crystal's symmetry (spglib).
public enum MonkhorstPack {
    /// The crystal's space-group operations (identity only when `useSymmetry` is false).
    /// `types`: the atom types to tell apart (default: the atomic numbers; `Model.symmetryTypes`
    /// also tells apart atoms of different magnetic moments).
    public static func symmetries(of crystal: Crystal, useSymmetry: Bool, types: [Int]? = nil) -> (operations: [SymmetryOperation], spaceGroup: SpaceGroup?) {
        guard useSymmetry else { return ([.identity], nil) }
        let types = types ?? crystal.atoms.map { Elements.atomicNumber($0.species)! }
        guard let sg = Spglib.spaceGroup(lattice: crystal.lattice.vectors, positions: crystal.atoms.map(\.position), types: types) else {
            return ([.identity], nil)
        }
        let ops = zip(sg.rotations, sg.translations).map { SymmetryOperation(rotation: $0, translation: $1) }
        return (ops, sg)
    }

    /// Irreducible k-points of the n₁×n₂×n₃ mesh (Γ-centred; `shift` 1 = half-step) with weights.
    /// With `useSymmetry` false the full mesh is returned with equal weights.
    public static func kpoints(crystal: Crystal, mesh: [Int], shift: [Int], useSymmetry: Bool, types: [Int]? = nil) -> [KPoint] {
        if useSymmetry {
            let types = types ?? crystal.atoms.map { Elements.atomicNumber($0.species)! }
            let ir = Spglib.irreducibleMesh(mesh: mesh, shift: shift, timeReversal: true,
                                            lattice: crystal.lattice.vectors, positions: crystal.atoms.map(\.position),
                                            types: types)
            return zip(ir.points, ir.multiplicities).map { KPoint(reduced: $0, weight: Double($1) / Double(ir.meshSize)) }
        }
        var result: [KPoint] = []
        let n = mesh.reduce(1, *)
        for i in 0..<mesh[0] { for j in 0..<mesh[1] { for k in 0..<mesh[2] {
            var x = SIMD3(Double(2 * i + shift[0]) / Double(2 * mesh[0]),
                          Double(2 * j + shift[1]) / Double(2 * mesh[1]),
                          Double(2 * k + shift[2]) / Double(2 * mesh[2]))
            x = x - (x + SIMD3(repeating: 1e-12)).rounded(.toNearestOrEven)   // into (−½, ½]
            result.append(KPoint(reduced: x, weight: 1 / Double(n)))
        } } }
        return result
    }
}
