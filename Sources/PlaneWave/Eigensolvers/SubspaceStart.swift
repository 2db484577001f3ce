import Bindings
import Numerics

/// Starting orbitals of one k-point from a coarse Ritz problem: H restricted to the m plane waves of
/// lowest kinetic energy |k+G|²/2 (a small cutoff sphere of whole shells of equal |k+G|, so that the
/// coarse H keeps the crystal's symmetry and its eigenvectors hold whole degenerate multiplets: a
/// shell cut in two splits them, and the members left out enter LOBPCG's start only through the
/// random part, too weakly for the loose tolerances of the first steps), diagonalised densely; its lowest
/// eigenvectors, embedded in the full basis, are the start, plus a small random component so that
/// the iterative solver is not blind to directions outside the small sphere.
///
/// This is the role atomic orbitals play in other codes (analytic GTH pseudopotentials carry no
/// pseudo-atomic orbitals); it saves operator applications in the first SCF step against random
/// vectors (see README Performance).
public enum SubspaceStart {
    /// Plane waves of the coarse problem for `bands` bands: 8 per band, at least 64, at most 1024
    /// (dense cost m³), never more than the basis; `sphere` extends it to whole shells.
    public static func size(bands: Int, planeWaves: Int) -> Int {
        min(planeWaves, min(1024, max(64, 8 * bands)))
    }

    /// The plane waves (indices into `kinetic`) of the coarse problem: the `size` of lowest kinetic
    /// energy, then the rest of the last shell (kinetic energies equal to 1e-10 relative); ties by
    /// index, so every process picks the same sphere.
    public static func sphere(kinetic: [Double], bands: Int) -> [Int] {
        let order = kinetic.indices.sorted { (kinetic[$0], $0) < (kinetic[$1], $1) }
        var m = size(bands: bands, planeWaves: kinetic.count)
        let edge = kinetic[order[m - 1]]
        while m < order.count && kinetic[order[m]] - edge <= 1e-10 * max(1, edge) { m += 1 }
        return Array(order.prefix(m))
    }

    /// The lowest `count` eigenpairs of an n × n Hermitian matrix given element-wise (a k-point pool
    /// substitutes a distributed solver, each process forming only its part of the matrix).
    public typealias LowestEigenpairs = (_ order: Int, _ count: Int, _ element: (Int, Int) -> Complex64) throws
        -> (values: [Double], vectors: ComplexMatrix)

    /// LAPACK on the whole matrix, made exactly Hermitian.
    public static func localEigenpairs(_ n: Int, _ count: Int, _ element: (Int, Int) -> Complex64) throws
        -> (values: [Double], vectors: ComplexMatrix) {
        var a = ComplexMatrix(rows: n, cols: n) { element($0, $1) }
        LOBPCG.hermitize(&a)
        let e = try hermitianEigen(a)
        return (Array(e.values.prefix(count)), e.vectors.columns(0..<count))
    }

    /// - Parameters:
    ///   - h: the Hamiltonian of the k-point (its potential is the one whose Fourier coefficients are `potentialFourier`).
    ///   - noise: random start vectors of the full basis (plane waves × bands), scaled by `noiseScale` and added;
    ///     made once the coarse problem is solved, and the result is formed in its storage (no second block).
    ///   - lowest: the dense solver of the coarse problem.
    ///   - real: the orbitals go to LOBPCG as real wave functions at Γ (`RealCoefficientsAtGamma`), which
    ///     packs each column's real part: the coarse eigenvectors are first made real (`realBasis`).
    public static func orbitals(_ h: Hamiltonian, potentialFourier vG: [Complex64], basis: PlaneWaveBasis,
                                bands: Int, noise: () -> ComplexMatrix, noiseScale: Double = 1e-3,
                                lowest: LowestEigenpairs = localEigenpairs, real: Bool = false) throws -> ComplexMatrix {
        let kb = h.kbasis
        let sub = sphere(kinetic: kb.kinetic, bands: bands)
        let m = sub.count
        // V_NL on the small sphere as one product (P D) Pᴴ, not a sum over the projectors per element
        var nonlocal: ComplexMatrix? = nil
        if h.nonlocal.count > 0 {
            nonlocal = ComplexMatrix(rows: m, cols: m)
            h.nonlocal.rows(sub).addMatrix(into: &nonlocal!)
        }
        let e = try lowest(m, bands) { i, j in
            let local = h.element(sub[i], sub[j], potentialFourier: vG, basis: basis, nonlocal: nil)
            return nonlocal.map { local + $0[i, j] } ?? local
        }
        var start = e.vectors
        if real {
            var position: [SIMD3<Int32>: Int] = [:]
            for (i, g) in sub.enumerated() { position[kb.millers[g]] = i }
            // whole shells at Γ hold −G with every G
            let partner = sub.map { g in position[SIMD3<Int32>.zero &- kb.millers[g]]! }
            start = realBasis(e.vectors, partner: partner)
        }
        var x = noise()
        precondition(x.rows == kb.count && x.cols == bands, "noise must be plane waves × bands")
        for c in 0..<bands {
            for g in 0..<kb.count { x[g, c] = x[g, c] * noiseScale }
            for (i, g) in sub.enumerated() { x[g, c] += start[i, c] }
        }
        return x
    }

    /// Real wave functions (c(−G) = c(G)*, `partner[i]` the row of −G) spanning a block of eigenvectors
    /// of a real H, as many as its columns, orthonormal. The eigensolver's complex eigenvectors of a
    /// degenerate level are arbitrary unitary mixtures of its real ones, and the real parts of such
    /// columns taken one by one can coincide ((a + ib)/√2 and (a − ib)/√2 both give a): the level's
    /// other members would be lost. Here the real and imaginary parts K± x = (x ± Kx)/2, (Kx)(G) =
    /// x(−G)*, of every column are orthonormalised together, the largest remaining one first (pivoted
    /// Gram–Schmidt with real coefficients), and the first `x.cols` kept: they span the block when it is
    /// closed under K (whole levels), its dominant real directions otherwise.
    static func realBasis(_ x: ComplexMatrix, partner: [Int]) -> ComplexMatrix {
        let m = x.rows, b = x.cols
        var y = ComplexMatrix(rows: m, cols: 2 * b)
        for j in 0..<b {
            for i in 0..<m {
                let kx = x[partner[i], j].conjugate
                y[i, j] = (x[i, j] + kx) * 0.5
                let d = x[i, j] - kx
                y[i, b + j] = Complex64(d.imaginary * 0.5, -d.real * 0.5)      // (x − Kx)/2i
            }
        }
        // inner products of real wave functions are real: Re Σ a* b
        func dot(_ a: Int, _ c: Int) -> Double {
            var s = 0.0
            for i in 0..<m { s += y[i, a].real * y[i, c].real + y[i, a].imaginary * y[i, c].imaginary }
            return s
        }
        var result = ComplexMatrix(rows: m, cols: b)
        var norms = (0..<(2 * b)).map { dot($0, $0) }
        var used = [Bool](repeating: false, count: 2 * b)
        for j in 0..<b {
            let p = (0..<(2 * b)).filter { !used[$0] }.max { norms[$0] < norms[$1] }!
            used[p] = true
            let scale = 1 / max(norms[p], 1e-300).squareRoot()
            for i in 0..<m { result[i, j] = y[i, p] * scale; y[i, p] = result[i, j] }
            for c in 0..<(2 * b) where !used[c] {
                let r = dot(p, c)
                for i in 0..<m { y[i, c] = y[i, c] - y[i, p] * r }
                norms[c] = dot(c, c)
            }
        }
        return result
    }
}
