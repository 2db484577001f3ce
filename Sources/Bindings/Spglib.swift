import CSpglib

/// A space group found by spglib, with operations in reduced (lattice) coordinates:
/// x′ = R x + t, x fractional.
public struct SpaceGroup: Sendable {
    public let number: Int
    public let international: String
    public let rotations: [[[Int]]]     // R[i][j], acting on reduced coordinates
    public let translations: [SIMD3<Double>]
}

/// The irreducible wedge of a Monkhorst–Pack mesh.
public struct IrreducibleMesh: Sendable {
    /// Reduced coordinates of the irreducible k-points.
    public let points: [SIMD3<Double>]
    /// Multiplicities (sum = number of mesh points).
    public let multiplicities: [Int]
    public let meshSize: Int
}

/// spglib 2.x: symmetry of a crystal and irreducible k-meshes.
///
/// `lattice` holds the lattice vectors as **rows** here (aᵢ = lattice[i]); they are transposed
/// into spglib's column convention internally.
public enum Spglib {
    public static var version: String { "\(spg_get_major_version()).\(spg_get_minor_version()).\(spg_get_micro_version())" }

    private static func cell(_ lattice: [SIMD3<Double>]) -> [(Double, Double, Double)] {
        // spglib: lattice[r][c] with vectors as columns → row r holds component r of each vector
        (0..<3).map { r in (lattice[0][r], lattice[1][r], lattice[2][r]) }
    }

    public static func spaceGroup(lattice: [SIMD3<Double>], positions: [SIMD3<Double>], types: [Int],
                                  symprec: Double = 1e-5) -> SpaceGroup? {
        dataset(lattice: lattice, positions: positions, types: types, symprec: symprec) { d in
            let n = Int(d.n_operations)
            var rots: [[[Int]]] = []
            var trans: [SIMD3<Double>] = []
            for k in 0..<n {
                let r = d.rotations[k]     // int[3][3]
                rots.append([[Int(r.0.0), Int(r.0.1), Int(r.0.2)],
                             [Int(r.1.0), Int(r.1.1), Int(r.1.2)],
                             [Int(r.2.0), Int(r.2.1), Int(r.2.2)]])
                let t = d.translations[k]
                trans.append(SIMD3(t.0, t.1, t.2))
            }
            return SpaceGroup(number: Int(d.spacegroup_number), international: international(d),
                              rotations: rots, translations: trans)
        }
    }

    /// spglib's dataset of a crystal (`spg_get_dataset`), read by `body` and freed; nil when spglib
    /// finds no symmetry at `symprec`.
    private static func dataset<T>(lattice: [SIMD3<Double>], positions: [SIMD3<Double>], types: [Int], symprec: Double,
                                   _ body: (SpglibDataset) -> T) -> T? {
        var lat = cell(lattice)
        var pos = positions.map { ($0.x, $0.y, $0.z) }
        var typ = types.map { Int32($0) }
        guard let ds = spg_get_dataset(&lat, &pos, &typ, Int32(types.count), symprec) else { return nil }
        defer { spg_free_dataset(ds) }
        return body(ds.pointee)
    }

    /// The dataset's international symbol (Hermann–Mauguin, short), without padding.
    private static func international(_ d: SpglibDataset) -> String {
        withUnsafeBytes(of: d.international_symbol) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }.trimmingCharacters()
    }

    /// spglib's standardised cell of a crystal (Togo & Tanaka, spglib documentation "Standardized
    /// crystal structure"): the conventional cell (`toPrimitive: false`) or the primitive cell of the
    /// standardised conventional one (`toPrimitive: true`), with lattice vectors as rows, reduced
    /// positions in [0, 1) and the types. With `idealize`, the lattice is rotated to spglib's standard
    /// orientation and the positions symmetrised; without, the input orientation is kept. nil when no
    /// symmetry is found at `symprec` (bohr, a Cartesian distance).
    public static func standardizedCell(lattice: [SIMD3<Double>], positions: [SIMD3<Double>], types: [Int],
                                        toPrimitive: Bool, idealize: Bool = true, symprec: Double = 1e-5)
        -> (lattice: [SIMD3<Double>], positions: [SIMD3<Double>], types: [Int])? {
        var lat = cell(lattice)
        // the conventional cell holds at most 4× the atoms of a primitive input
        let capacity = 4 * max(positions.count, 1)
        var pos = positions.map { ($0.x, $0.y, $0.z) } + [(Double, Double, Double)](repeating: (0, 0, 0), count: capacity - positions.count)
        var typ = types.map { Int32($0) } + [Int32](repeating: 0, count: capacity - types.count)
        let n = Int(spg_standardize_cell(&lat, &pos, &typ, Int32(types.count), toPrimitive ? 1 : 0, idealize ? 0 : 1, symprec))
        guard n > 0 else { return nil }
        let rows = (0..<3).map { i in SIMD3(column(lat[0], i), column(lat[1], i), column(lat[2], i)) }
        return (rows, (0..<n).map { SIMD3(pos[$0].0, pos[$0].1, pos[$0].2) }, (0..<n).map { Int(typ[$0]) })
    }

    private static func column(_ row: (Double, Double, Double), _ i: Int) -> Double {
        i == 0 ? row.0 : i == 1 ? row.1 : row.2
    }

    /// What spglib's dataset says about the setting of a crystal: the space group number and its
    /// international symbol (its first letter is the centring P, I, F, A, B, C or R), the standardised
    /// conventional lattice (rows, idealised, in spglib's standard orientation) and the rotation R
    /// that took the standardised cell into that orientation (a_s,ideal = R a_s, Cartesian; R[i][j]).
    public struct Setting: Sendable {
        public let spaceGroup: Int
        public let international: String
        public let standardLattice: [SIMD3<Double>]
        public let standardRotation: [[Double]]
    }

    public static func setting(lattice: [SIMD3<Double>], positions: [SIMD3<Double>], types: [Int],
                               symprec: Double = 1e-5) -> Setting? {
        dataset(lattice: lattice, positions: positions, types: types, symprec: symprec) { d in
            func matrix(_ m: ((Double, Double, Double), (Double, Double, Double), (Double, Double, Double))) -> [[Double]] {
                [[m.0.0, m.0.1, m.0.2], [m.1.0, m.1.1, m.1.2], [m.2.0, m.2.1, m.2.2]]
            }
            let std = matrix(d.std_lattice)
            let rows = (0..<3).map { i in SIMD3(std[0][i], std[1][i], std[2][i]) }
            return Setting(spaceGroup: Int(d.spacegroup_number), international: international(d),
                           standardLattice: rows, standardRotation: matrix(d.std_rotation_matrix))
        }
    }

    /// Irreducible points of the n₁×n₂×n₃ mesh; `shift` is 0 or 1 per direction (a half-step shift).
    public static func irreducibleMesh(mesh: [Int], shift: [Int], timeReversal: Bool,
                                       lattice: [SIMD3<Double>], positions: [SIMD3<Double>], types: [Int],
                                       symprec: Double = 1e-5) -> IrreducibleMesh {
        var lat = cell(lattice)
        var pos = positions.map { ($0.x, $0.y, $0.z) }
        var typ = types.map { Int32($0) }
        var m = mesh.map { Int32($0) }
        var s = shift.map { Int32($0) }
        let nk = mesh.reduce(1, *)
        var grid = [(Int32, Int32, Int32)](repeating: (0, 0, 0), count: nk)
        var map = [Int32](repeating: 0, count: nk)
        _ = spg_get_ir_reciprocal_mesh(&grid, &map, &m, &s, timeReversal ? 1 : 0,
                                       &lat, &pos, &typ, Int32(types.count), symprec)
        var count: [Int: Int] = [:]
        var order: [Int] = []
        for k in 0..<nk {
            let rep = Int(map[k])
            if count[rep] == nil { order.append(rep) }
            count[rep, default: 0] += 1
        }
        let points = order.map { k -> SIMD3<Double> in
            let g = grid[k]
            return SIMD3(Double(2 * Int(g.0) + Int(s[0])) / Double(2 * mesh[0]),
                         Double(2 * Int(g.1) + Int(s[1])) / Double(2 * mesh[1]),
                         Double(2 * Int(g.2) + Int(s[2])) / Double(2 * mesh[2]))
        }
        return IrreducibleMesh(points: points, multiplicities: order.map { count[$0]! }, meshSize: nk)
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
