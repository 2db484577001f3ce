import Bindings
import Numerics

/// Starting orbitals of one k-point from a coarse Ritz problem: H restricted to the m plane waves of
/// lowest kinetic energy |k+G|²/2 (a small cutoff sphere), diagonalised densely; its lowest
/// eigenvectors, embedded in the full basis, are the start, plus a small random component so that
/// the iterative solver is not blind to directions outside the small sphere.
///
/// This is the role atomic orbitals play in other codes (analytic GTH pseudopotentials carry no
/// pseudo-atomic orbitals); it saves operator applications in the first SCF step against random
/// vectors (see README Performance).
public enum SubspaceStart {
    /// Plane waves of the coarse problem for `bands` bands: 8 per band, at least 64, at most 1024
    /// (dense cost m³), never more than the basis.
    public static func size(bands: Int, planeWaves: Int) -> Int {
        min(planeWaves, min(1024, max(64, 8 * bands)))
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
    public static func orbitals(_ h: Hamiltonian, potentialFourier vG: [Complex64], basis: PlaneWaveBasis,
                                bands: Int, noise: () -> ComplexMatrix, noiseScale: Double = 1e-3,
                                lowest: LowestEigenpairs = localEigenpairs) throws -> ComplexMatrix {
        let kb = h.kbasis
        let m = size(bands: bands, planeWaves: kb.count)
        // lowest kinetic energies first; ties by index, so every process picks the same sphere
        let sub = kb.kinetic.indices.sorted { (kb.kinetic[$0], $0) < (kb.kinetic[$1], $1) }.prefix(m).map { $0 }
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
        var x = noise()
        precondition(x.rows == kb.count && x.cols == bands, "noise must be plane waves × bands")
        for c in 0..<bands {
            for g in 0..<kb.count { x[g, c] = x[g, c] * noiseScale }
            for (i, g) in sub.enumerated() { x[g, c] += e.vectors[i, c] }
        }
        return x
    }
}
