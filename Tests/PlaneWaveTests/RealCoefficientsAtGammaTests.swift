import Bindings
import Numerics
import Testing
@testable import PlaneWave

/// Real wave functions at Γ (`RealCoefficientsAtGamma`) against the complex ones, on Si (GTH LDA,
/// 6 Ha, 2 atoms) at Γ with a random real local potential: H is real whatever real V(r) it holds.
@Suite("Real wave functions at Γ")
struct RealCoefficientsAtGammaTests {
    let basis: PlaneWaveBasis
    let potential: [Double]

    init() throws {
        (basis, potential) = try siliconAtGamma(potentialSeed: 12345)
    }

    func solver(real: Bool) -> KohnShamEigensolver {
        KohnShamEigensolver(basis: basis, distribution: SerialKPoints(), nonlocal: NonlocalPseudopotential(model: basis.model),
                            realAtGamma: real)
    }

    /// Packed vectors with real a(0) from a seeded generator.
    func packedBlock(_ p: RealCoefficientsAtGamma, cols: Int) -> ComplexMatrix {
        var m = RandomOrbitals.block(rows: p.count, cols: cols, seed: 7, kinetic: p.kinetic)
        for j in 0..<cols { m[0, j] = Complex64(m[0, j].real, 0) }
        return m
    }

    func maxDifference(_ a: ComplexMatrix, _ b: ComplexMatrix) -> Double {
        var d = 0.0
        for j in 0..<a.cols { for i in 0..<a.rows { d = max(d, (a[i, j] - b[i, j]).length) } }
        return d
    }

    @Test("pack and unpack are inverse; a complex phase is removed; the inner product is kept")
    func packing() throws {
        let p = try #require(RealCoefficientsAtGamma(basis.kpoints[0]))
        #expect(p.count == (basis.kpoints[0].count + 1) / 2)
        let a = packedBlock(p, cols: 3)
        let x = p.unpack(a)
        #expect(maxDifference(p.pack(x), a) < 1e-14)
        // c(−G) = c(G)*: the unpacked vectors are real in real space
        var rotated = x
        let phase = Complex64.exp(Complex64(0, 0.7))
        for j in 0..<3 { for i in 0..<x.rows { rotated[i, j] = x[i, j] * phase } }
        let back = p.pack(rotated)
        for j in 0..<3 {
            // the real vector is recovered up to its sign
            let sign = back[0, j].real * a[0, j].real < 0 ? -1.0 : 1.0
            for i in 0..<p.count { #expect((back[i, j] * sign - a[i, j]).length < 1e-12) }
        }
        // ⟨ψ|φ⟩ of the full vectors = Re Σ a* b of the packed ones
        let full = multiply(.adjoint, x, .none, x), packed = multiply(.adjoint, a, .none, a)
        for j in 0..<3 { for i in 0..<3 {
            #expect(abs(full[i, j].imaginary) < 1e-13)
            #expect(abs(full[i, j].real - packed[i, j].real) < 1e-12)
        } }
    }

    @Test("V_NL on packed rows split over a pool (applyRows, weights √2) equals V_NL on the full sphere")
    func packedRowSplit() throws {
        let p = try #require(RealCoefficientsAtGamma(basis.kpoints[0]))
        let projectors = NonlocalProjectors(kbasis: basis.kpoints[0], model: basis.model)
        let a = packedBlock(p, cols: 3)
        var full = ComplexMatrix(rows: basis.kpoints[0].count, cols: 3)
        projectors.apply(p.unpack(a), addingTo: &full)
        let direct = p.pack(full)
        let cut = [0, p.count / 2, p.count]
        let parts = (0..<2).map { r in
            let rows = Array(cut[r]..<cut[r + 1])
            return (rows: rows, planeWaves: rows.map { Int(p.representative[$0]) }, weights: Optional(rows.map { $0 == 0 ? 1 : 2.0.squareRoot() }))
        }
        let split = try NonlocalBlockTests.rowSplitApply(projectors, parts: parts, x: a, real: true)
        var scale = 0.0, diff = 0.0
        for (part, y) in zip(parts, split) { for j in 0..<3 { for (i, r) in part.rows.enumerated() {
            scale = max(scale, direct[r, j].length); diff = max(diff, (direct[r, j] - y[i, j]).length)
        } } }
        #expect(scale > 1e-3 && diff < 1e-13 * scale, "\(diff) of \(scale)")
    }

    @Test("H on packed vectors, two per FFT pair, equals H on the full sphere")
    func hamiltonian() throws {
        let p = try #require(RealCoefficientsAtGamma(basis.kpoints[0]))
        let h = solver(real: true).hamiltonian(0, potential: potential)
        let a = packedBlock(p, cols: 5)   // odd: the last column goes alone
        let paired = p.apply(h.apply, to: a)
        let direct = p.pack(h.apply(p.unpack(a)))
        #expect(maxDifference(paired, direct) < 1e-12)
        // and H keeps a(0) real
        for j in 0..<5 { #expect(paired[0, j].imaginary == 0) }
    }

    @Test("LOBPCG on real vectors gives the complex solver's eigenvalues")
    func eigenvalues() throws {
        let bands = 8
        let tolerances = [Double](repeating: 1e-9, count: bands)
        var results: [[Double]] = []
        for real in [true, false] {
            var vG: [Complex64]? = nil
            let s = try solver(real: real).solve(0, potential: potential, potentialFourier: &vG, initial: nil, bands: bands,
                                                 tolerances: tolerances, maxIterations: 200)
            #expect(s.converged, "real \(real): not converged, residuals \(s.residualNorms)")
            // the returned orbitals are orthonormal on the full sphere
            let o = multiply(.adjoint, s.vectors, .none, s.vectors)
            for j in 0..<bands { for i in 0..<bands { #expect((o[i, j] - (i == j ? .one : .zero)).length < 1e-10) } }
            results.append(s.values)
        }
        for (x, y) in zip(results[0], results[1]) { #expect(abs(x - y) < 1e-10, "real \(x) vs complex \(y)") }
    }
}

/// Si (GTH LDA, 6 Ha, 2 atoms) at Γ only, and a random real local potential in [−½, 0) Ha on its grid
/// from a seeded generator.
func siliconAtGamma(potentialSeed: UInt64) throws -> (PlaneWaveBasis, [Double]) {
    let (b, _) = try setUp(small("Si_LDA_cp2kpade_ec10", ecut: 6, kmesh: [1, 1, 1]))
    var state = potentialSeed
    let potential = (0..<b.fftSize.reduce(1, *)).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return -0.5 * Double(state >> 11) / Double(1 << 53)
    }
    return (b, potential)
}
