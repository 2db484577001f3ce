import Bindings
import Foundation
import Numerics

/// Non-self-consistent Kohn–Sham eigenvalues at arbitrary k-points from a converged density:
/// V = Σ_t V_t[ρ] (`KohnShamTerms.potential`) is built once on the density's own FFT grid (the grid
/// of the SCF that produced ρ) and H(k) is diagonalised tightly with LOBPCG at each k-point
/// (`KohnShamEigensolver`). Eigenvalues follow the SCF's (ABINIT's) convention: the G = 0 averages
/// of the local and Hartree potentials are left out, so they equal the SCF eigenvalues at the mesh
/// k-points. Spin-polarised (the model's `spinChannels` = 2, ρ given as (ρ, m)), V is (V↑, V↓) and
/// every k-point is solved in both channels.
public final class NonSelfConsistentBands {
    public let model: Model
    public let ecut: Double
    public let fftSize: [Int]
    /// Total local potential on the grid (Ha); spin-polarised (V↑, V↓).
    public let potential: [Double]

    /// - Parameters:
    ///   - density: a converged density (`SCFResult.density`: (ρ, m) when spin-polarised) on the grid
    ///     `fftSize` (`SCFResult.fftGrid`).
    ///   - xcGrid: the grid its exchange–correlation was evaluated on (`SCFResult.xcGrid`; nil: `fftSize`).
    public init(model: Model, ecut: Double, fftSize: [Int], xcGrid: [Int]? = nil, density: [Double]) throws {
        guard fftSize.count == 3, model.spinChannels * fftSize.reduce(1, *) == density.count else {
            throw InputError("density", "has \(density.count) points, the FFT grid \(fftSize) has \(fftSize.reduce(1, *))"
                             + (model.spinChannels == 2 ? " × 2 spin channels" : ""))
        }
        let gammaBasis = try PlaneWaveBasis(model: model, ecut: ecut, kpoints: [KPoint(reduced: .zero, weight: 1)], fftSize: fftSize)
        potential = try KohnShamTerms(basis: gammaBasis, grid: FourierGrid(basis: gammaBasis), xcGrid: xcGrid).potential(density)
        self.model = model
        self.ecut = ecut
        self.fftSize = fftSize
    }

    /// The lowest `bands` eigenvalues (Ha) at every k-point (reduced coordinates), converged to a
    /// residual norm ‖Hψ − εψ‖ ≤ `tolerance` (eigenvalue errors ~ tolerance²). Each process computes
    /// the k-points `distribution` gives it (its costs: one per k-point × spin channel); the result is
    /// complete on every process. Consecutive nearby k-points are warm-started from each other (path
    /// sampling). Spin-polarised, the result runs over the k-points of spin up, then of spin down.
    public func eigenvalues(kpoints: [SIMD3<Double>], bands: Int, tolerance: Double = 1e-7, maxIterations: Int = 400,
                            distribution: KPointDistribution = SerialKPoints()) throws -> [[Double]] {
        guard bands >= 1 else { throw InputError("bands", "must be positive, got \(bands)") }
        guard !kpoints.isEmpty else { return [] }
        let kps = kpoints.map { KPoint(reduced: $0, weight: 1 / Double(kpoints.count)) }
        let basis = try PlaneWaveBasis(model: model, ecut: ecut, kpoints: kps, fftSize: fftSize)
        let smallest = BandCountPolicy.limit(basis)
        guard bands <= smallest else {
            throw InputError("bands", "\(bands) bands exceed the \(smallest) plane waves of the smallest k-point basis")
        }
        // a few extra bands converge the requested ones faster and safely across degeneracies
        let solved = min(smallest, BandCountPolicy.withMargin(bands))
        var tolerances = [Double](repeating: tolerance, count: solved)
        for n in bands..<solved { tolerances[n] = max(tolerance, 1e-3) }
        let eigensolver = KohnShamEigensolver(basis: basis, distribution: distribution, nonlocal: NonlocalPseudopotential(model: model))
        let lattice = model.crystal.lattice
        let n = fftSize.reduce(1, *)
        let channels = (0..<basis.spinChannels).map { Array(potential[($0 * n)..<(($0 + 1) * n)]) }
        var previous: (k: Int, vectors: ComplexMatrix)? = nil
        var fourier = [[Complex64]?](repeating: nil, count: basis.spinChannels)
        let r = try eigensolver.solveAll(
            bands: solved, reported: bands, sharing: nil, published: { _ in nil },
            otherFailure: InputError("bands", "the band calculation failed on another process"),
            solve: { k, _ in
                let kb = basis.kpoints[k]
                var x0 = RandomOrbitals.block(rows: kb.count, cols: solved, seed: k, kinetic: kb.kinetic)
                if let p = previous, basis.kpoints[p.k].spin == kb.spin {
                    let dk = lattice.reciprocalCartesian(kb.kpoint.reduced - basis.kpoints[p.k].kpoint.reduced)
                    if norm(dk) < 0.25 { x0 = Self.transfer(p.vectors, from: basis.kpoints[p.k], to: kb, fallback: x0) }
                }
                let r = try eigensolver.solve(k, potential: channels[kb.spin], potentialFourier: &fourier[kb.spin], initial: x0, bands: solved,
                                              tolerances: tolerances, maxIterations: maxIterations)
                if !r.converged, r.residualNorms.prefix(bands).contains(where: { $0 > 100 * tolerance }) {
                    throw InputError("bands", "LOBPCG did not converge at k = \(kb.kpoint.reduced) (residuals \(r.residualNorms.prefix(bands).map { String(format: "%.1e", $0) }))")
                }
                previous = (k, r.vectors)
                return r
            },
            keep: { _, _, _ in })
        return r.eigenvalues
    }

    /// Coefficients of the same G vectors carried from one k-point's sphere to another's (G not in
    /// the old sphere get the fallback's small random components).
    static func transfer(_ x: ComplexMatrix, from a: KBasis, to b: KBasis, fallback: ComplexMatrix) -> ComplexMatrix {
        var index: [SIMD3<Int32>: Int] = [:]
        index.reserveCapacity(a.count)
        for (i, m) in a.millers.enumerated() { index[m] = i }
        var y = ComplexMatrix(rows: b.count, cols: fallback.cols)
        for (g, m) in b.millers.enumerated() {
            if let i = index[m] {
                for n in 0..<min(x.cols, y.cols) { y[g, n] = x[i, n] }
                for n in x.cols..<y.cols { y[g, n] = fallback[g, n] }
            } else {
                for n in 0..<y.cols { y[g, n] = fallback[g, n] * 1e-3 }
            }
        }
        return y
    }
}
