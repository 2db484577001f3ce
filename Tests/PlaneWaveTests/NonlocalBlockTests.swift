import Testing
import Numerics
import Bindings
@testable import PlaneWave

/// The non-local term formed a block of atoms at a time (`NonlocalProjectors.blockBytes`) against the
/// whole P of one block: V_NL X, ⟨x|V_NL|x⟩, the forces, the strain derivative and the rows of the dense
/// start. GaAs GTH (s, p and d projectors), As off its site, 10 Ha, 2×2×2 k-points without symmetry,
/// fixed random orbitals; a budget of one byte puts each atom in a block of its own.
@Suite("non-local term by blocks of atoms")
struct NonlocalBlockTests {
    @Test("blocks of one atom agree with the whole P") func blocks() throws {
        let basis = try ForceTermTests.basis(ForceTermTests.gth(), functional: .lda, atom: 0, shift: SIMD3(0.05, -0.03, 0.02))
        let model = basis.model
        let bands = 6
        var orbitals: [Int: ComplexMatrix] = [:]
        for (k, kb) in basis.kpoints.enumerated() {
            orbitals[k] = RandomOrbitals.block(rows: kb.count, cols: bands, seed: 7 + k, kinetic: kb.kinetic)
        }
        let occupations = basis.kpoints.map { _ in (0..<bands).map { 2.0 - 0.3 * Double($0) } }
        for (k, kb) in basis.kpoints.enumerated() {
            let whole = NonlocalProjectors(kbasis: kb, model: model)
            let split = NonlocalProjectors(kbasis: kb, model: model, blockBytes: 1)
            #expect(whole.blocks.count == 1 && split.blocks.count == 2 && whole.count == split.count && whole.count > 0)
            let x = orbitals[k]!
            var a = ComplexMatrix(rows: x.rows, cols: x.cols), b = a
            whole.apply(x, addingTo: &a)
            split.apply(x, addingTo: &b)
            var scale = 0.0, diff = 0.0
            for i in 0..<x.rows * x.cols { scale = max(scale, a.storage[i].length); diff = max(diff, (a.storage[i] - b.storage[i]).length) }
            #expect(scale > 1e-3 && diff < 1e-13 * scale, "V_NL X at k \(k): \(diff) of \(scale)")
            for (e, f) in zip(whole.expectation(x), split.expectation(x)) {
                #expect(abs(e) > 1e-4 && abs(e - f) < 1e-13 * abs(e), "⟨x|V_NL|x⟩ at k \(k): \(e) vs \(f)")
            }
            // the rows of a few plane waves, as the dense start takes them
            let sub = [0, 3, 17, x.rows - 1]
            let rw = whole.rows(), rs = split.rows(sub)
            for (r, g) in sub.enumerated() { for c in 0..<whole.count {
                #expect((rw.projectors[g, c] - rs.projectors[r, c]).length < 1e-14
                        && (rw.projectorsTimesCoupling[g, c] - rs.projectorsTimesCoupling[r, c]).length < 1e-14)
            } }
        }
        let state = ForceState(density: [], orbitals: orbitals, occupations: occupations, kpoints: basis.kpoints)
        let term = NonlocalPseudopotential(model: model)
        let split = NonlocalPseudopotential(model: model)
        split.blockBytes = 1
        let (f0, f1) = (term.forces(state), split.forces(state))
        for a in 0..<2 { for axis in 0..<3 {
            #expect(abs(f0[a][axis]) > 1e-4 && abs(f0[a][axis] - f1[a][axis]) < 1e-12, "force atom \(a) axis \(axis): \(f0[a][axis]) vs \(f1[a][axis])")
        } }
        let (t0, t1) = (term.strainDerivative(state), split.strainDerivative(state))
        for i in 0..<3 { for j in 0..<3 {
            #expect(abs(t0[i][j] - t1[i][j]) < 1e-12, "strain derivative \(i)\(j): \(t0[i][j]) vs \(t1[i][j])")
        } }
        #expect(abs(t0[0][0]) > 1e-3)
    }

    /// V_NL X by `applyRows` with X's rows split into `parts` (plane-wave indices and row weights per
    /// part), each part as one process of a pool: the sums over the parts are formed by running the
    /// parts in turn, each recording its partial products per block (which do not depend on the sums)
    /// for the others to add. Returns each part's rows of the result.
    static func rowSplitApply(_ p: NonlocalProjectors, parts: [(rows: [Int], planeWaves: [Int], weights: [Double]?)],
                              x: ComplexMatrix, real: Bool) throws -> [ComplexMatrix] {
        func rows(_ m: ComplexMatrix, _ r: [Int]) -> ComplexMatrix { ComplexMatrix(rows: r.count, cols: m.cols) { i, j in m[r[i], j] } }
        var partials = [[[Double]]](repeating: [], count: parts.count)
        // a first pass records each part's partial products (its own results are not yet right)
        for (i, part) in parts.enumerated() {
            var y = ComplexMatrix(rows: part.rows.count, cols: x.cols)
            try p.applyRows(rows(x, part.rows), planeWaves: part.planeWaves, weights: part.weights, real: real, addingTo: &y) { b in
                partials[i].append(Array(b))
            }
        }
        return try parts.enumerated().map { i, part in
            var y = ComplexMatrix(rows: part.rows.count, cols: x.cols)
            var block = 0
            try p.applyRows(rows(x, part.rows), planeWaves: part.planeWaves, weights: part.weights, real: real, addingTo: &y) { b in
                for other in parts.indices where other != i { for e in b.indices { b[e] += partials[other][block][e] } }
                block += 1
            }
            return y
        }
    }

    @Test("V_NL X on rows split over a pool (applyRows) equals the whole product")
    func rowSplit() throws {
        let basis = try ForceTermTests.basis(ForceTermTests.gth(), functional: .lda, atom: 0, shift: SIMD3(0.05, -0.03, 0.02))
        for (k, kb) in basis.kpoints.enumerated().prefix(2) {
            let x = RandomOrbitals.block(rows: kb.count, cols: 5, seed: 11 + k, kinetic: kb.kinetic)
            for blockBytes in [NonlocalProjectors.blockBytes, 1] {
                let p = NonlocalProjectors(kbasis: kb, model: basis.model, blockBytes: blockBytes)
                var whole = ComplexMatrix(rows: x.rows, cols: x.cols)
                p.apply(x, addingTo: &whole)
                let cut = [0, kb.count / 3, kb.count]
                let parts = (0..<2).map { r in (rows: Array(cut[r]..<cut[r + 1]), planeWaves: Array(cut[r]..<cut[r + 1]), weights: [Double]?.none) }
                let split = try Self.rowSplitApply(p, parts: parts, x: x, real: false)
                var scale = 0.0, diff = 0.0
                for (part, y) in zip(parts, split) { for j in 0..<x.cols { for (i, g) in part.rows.enumerated() {
                    scale = max(scale, whole[g, j].length); diff = max(diff, (whole[g, j] - y[i, j]).length)
                } } }
                #expect(scale > 1e-3 && diff < 1e-13 * scale, "k \(k), \(p.blocks.count) blocks: \(diff) of \(scale)")
            }
        }
    }
}
