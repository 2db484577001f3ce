import Testing
import PlaneWave

@Suite("symmetrisation of forces")
struct ForceSymmetrizationTests {
    /// Si₂ at ±(u, u, u) in the FCC cell (D3d: spglib finds 12 operations, half of them exchange
    /// the atoms): any forces come out along [111] (Cartesian (1,1,1) here), opposite on the two
    /// atoms, with the mean over the group of their [111] components; a symmetric input is kept,
    /// and symmetrising twice changes nothing.
    @Test func displacedSiliconPair() throws {
        let u = 0.13
        let crystal = try Crystal(lattice: .fcc(10.26), atoms: [Atom("Si", SIMD3(repeating: u)), Atom("Si", SIMD3(repeating: -u))])
        let ops = MonkhorstPack.symmetries(of: crystal, useSymmetry: true).operations
        #expect(ops.count == 12)
        let input = [SIMD3(0.3, -0.1, 0.05), SIMD3(0.02, 0.2, -0.4)]
        let f = ForceSymmetrization.symmetrize(input, crystal: crystal, operations: ops)
        let axis = SIMD3<Double>(repeating: 1 / 3.0.squareRoot())
        // the [111] components: (input₀·n − input₁·n)/2 on atom 0, its negative on atom 1
        let along = (dot(input[0], axis) - dot(input[1], axis)) / 2
        for (a, sign) in [(0, 1.0), (1, -1.0)] {
            let d = f[a] - sign * along * axis
            #expect(max(abs(d.x), abs(d.y), abs(d.z)) < 1e-14, "atom \(a): \(f[a]) vs \(sign * along) along [111]")
        }
        let twice = ForceSymmetrization.symmetrize(f, crystal: crystal, operations: ops)
        for a in 0..<2 { #expect(norm(twice[a] - f[a]) < 1e-14) }
        let symmetric = [0.7 * axis, -0.7 * axis]
        let kept = ForceSymmetrization.symmetrize(symmetric, crystal: crystal, operations: ops)
        for a in 0..<2 { #expect(norm(kept[a] - symmetric[a]) < 1e-14) }
    }

    /// A hexagonal cell (whose metric, unlike the FCC one, does not commute with every reduced
    /// rotation's transpose): Ga at the origin and three As at (x,0,0), (0,x,0), (−x,−x,0), related by
    /// the 3-fold axis. Forces pointing away from the origin on the As (and none on Ga) are
    /// invariant under every operation that fixes the origin, so symmetrisation keeps them.
    @Test func radialForcesInAHexagonalCell() throws {
        let a = 6.0, c = 9.0
        let lattice = Lattice(SIMD3(a, 0, 0), SIMD3(-a / 2, a * 3.0.squareRoot() / 2, 0), SIMD3(0, 0, c))
        let x = 0.3
        let reduced = [SIMD3(0.0, 0, 0), SIMD3(x, 0, 0), SIMD3(0, x, 0), SIMD3(-x, -x, 0)]
        let crystal = try Crystal(lattice: lattice, atoms: zip(["Ga", "As", "As", "As"], reduced).map { Atom($0, $1) })
        let ops = MonkhorstPack.symmetries(of: crystal, useSymmetry: true).operations
        #expect(ops.count == 12, "D3h: \(ops.count) operations")
        let radial = reduced.map { r -> SIMD3<Double> in
            let v = lattice.cartesian(reduced: r)
            return norm(v) == 0 ? .zero : 0.4 * v / norm(v)
        }
        let f = ForceSymmetrization.symmetrize(radial, crystal: crystal, operations: ops)
        for i in f.indices { #expect(norm(f[i] - radial[i]) < 1e-12, "atom \(i): \(f[i]) vs \(radial[i])") }
    }
}
