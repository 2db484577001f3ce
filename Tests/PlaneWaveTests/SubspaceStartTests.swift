import Testing
import Bindings
import Numerics
@testable import PlaneWave

/// The coarse start's sphere keeps whole shells, and its real form at Γ keeps every member of a
/// degenerate level.
@Suite("subspace start")
struct SubspaceStartTests {
    @Test("the coarse sphere ends at a shell boundary, with at least the sized count")
    func wholeShells() {
        // shells of 1, 6, 12, 8, 6, 24, 24, 12 plane waves (a simple cubic cell's first |G|²), shuffled
        let shells = [1, 6, 12, 8, 6, 24, 24, 12]
        var kinetic: [Double] = []
        for (s, n) in shells.enumerated() { kinetic += [Double](repeating: 0.5 * Double(s), count: n) }
        kinetic.reverse()
        let sphere = SubspaceStart.sphere(kinetic: kinetic, bands: 8)      // sized 64: shells to 57, then 24 more
        #expect(SubspaceStart.size(bands: 8, planeWaves: kinetic.count) == 64)
        #expect(sphere.count == 81, "\(sphere.count) plane waves")
        let edge = sphere.map { kinetic[$0] }.max()!
        #expect(kinetic.indices.filter { kinetic[$0] <= edge }.count == sphere.count, "a shell cut at \(edge)")
    }

    /// Two real wave functions a, b on ±G pairs and the complex eigenvectors (a ± ib)/√2 a solver may
    /// return for their level: the real parts of the columns one by one are both a; `realBasis` gives
    /// two orthonormal real vectors spanning {a, b}.
    @Test("the real form of a degenerate level's complex eigenvectors keeps both members")
    func realBasisKeepsDegenerateMembers() {
        // rows: G = 0, then pairs (G, −G) at rows (1, 2) and (3, 4)
        let partner = [0, 2, 1, 4, 3]
        let s = 0.5.squareRoot()
        // real wave functions: c(−G) = c(G)*
        let a: [Complex64] = [Complex64(0.6, 0), Complex64(0.4, 0.2), Complex64(0.4, -0.2), Complex64(0.1, 0.3), Complex64(0.1, -0.3)]
        var b: [Complex64] = [Complex64(-0.2, 0), Complex64(0.1, -0.5), Complex64(0.1, 0.5), Complex64(0.3, 0.1), Complex64(0.3, -0.1)]
        func dot(_ u: [Complex64], _ v: [Complex64]) -> Double { zip(u, v).reduce(0) { $0 + ($1.0.conjugate * $1.1).real } }
        let na = dot(a, a).squareRoot()
        let an = a.map { $0 * (1 / na) }
        let p = dot(an, b)
        b = zip(b, an).map { $0 - $1 * p }
        let nb = dot(b, b).squareRoot()
        let bn = b.map { $0 * (1 / nb) }
        let x = ComplexMatrix(rows: 5, cols: 2) { i, j in (an[i] + Complex64(0, j == 0 ? 1 : -1) * bn[i]) * s }
        let r = SubspaceStart.realBasis(x, partner: partner)
        #expect(r.rows == 5 && r.cols == 2)
        let cols = (0..<2).map { j in (0..<5).map { r[$0, j] } }
        for (j, c) in cols.enumerated() {
            for i in 0..<5 { #expect((c[i] - c[partner[i]].conjugate).magnitude < 1e-12, "column \(j) is not real at row \(i)") }
            #expect(abs(dot(c, c) - 1) < 1e-12)
        }
        #expect(abs(dot(cols[0], cols[1])) < 1e-12)
        // a and b lie in the span: their projections keep their norms
        for v in [an, bn] {
            let kept = cols.reduce(0.0) { let d = dot($1, v); return $0 + d * d }
            #expect(abs(kept - 1) < 1e-12, "a member of the level lost: \(kept) of its norm² kept")
        }
        // what the one-by-one real parts would have kept: the same vector twice
        let re = (0..<2).map { j in (0..<5).map { i in (x[i, j] + x[partner[i], j].conjugate) * 0.5 } }
        #expect(abs(abs(dot(re[0], re[1])) - dot(re[0], re[0])) < 1e-12)
    }
}
