import Bindings
import Foundation
import Numerics

/// Non-self-consistent Kohn–Sham eigenvalues at arbitrary k-points from a converged density:
/// V = V_loc + V_H[ρ] + V_xc[ρ] is built once on the density's own FFT grid (the grid of the SCF
/// that produced ρ) and H(k) is diagonalised tightly with LOBPCG at each k-point. Eigenvalues
/// follow the SCF's (ABINIT's) convention: the G = 0 averages of the local and Hartree potentials
/// are left out, so they equal the SCF eigenvalues at the mesh k-points.
public final class NonSelfConsistentBands {
    public let model: Model
    public let ecut: Double
    public let fftSize: [Int]
    /// Total local potential on the grid (Ha).
    public let potential: [Double]

    /// - Parameters:
    ///   - density: a converged density (`SCFResult.density`) on the grid `fftSize` (`SCFResult.fftGrid`).
    public init(model: Model, ecut: Double, fftSize: [Int], density: [Double]) throws {
        guard fftSize.count == 3, fftSize.reduce(1, *) == density.count else {
            throw InputError("density", "has \(density.count) points, the FFT grid \(fftSize) has \(fftSize.reduce(1, *))")
        }
        let gammaBasis = try PlaneWaveBasis(model: model, ecut: ecut, kpoints: [KPoint(reduced: .zero, weight: 1)], fftSize: fftSize)
        let grid = FourierGrid(basis: gammaBasis)
        let vloc = LocalPseudopotential(grid: grid).potential
        let vh = Hartree(grid: grid).energyAndPotential(density).potential
        let vxc = try ExchangeCorrelation(grid: grid, functional: model.functional).energyAndPotential(density).potential
        var v = [Double](repeating: 0, count: density.count)
        for i in v.indices { v[i] = vloc[i] + vh[i] + vxc[i] }
        self.model = model
        self.ecut = ecut
        self.fftSize = fftSize
        potential = v
    }

    /// The lowest `bands` eigenvalues (Ha) at every k-point (reduced coordinates), converged to a
    /// residual norm ‖Hψ − εψ‖ ≤ `tolerance` (eigenvalue errors ~ tolerance²). Each process computes
    /// the k-points `distribution` gives it; the result is complete on every process. Consecutive
    /// nearby k-points are warm-started from each other (path sampling).
    public func eigenvalues(kpoints: [SIMD3<Double>], bands: Int, tolerance: Double = 1e-7, maxIterations: Int = 400,
                            distribution: KPointDistribution = SerialKPoints()) throws -> [[Double]] {
        guard bands >= 1 else { throw InputError("bands", "must be positive, got \(bands)") }
        guard !kpoints.isEmpty else { return [] }
        let kps = kpoints.map { KPoint(reduced: $0, weight: 1 / Double(kpoints.count)) }
        let basis = try PlaneWaveBasis(model: model, ecut: ecut, kpoints: kps, fftSize: fftSize)
        let smallest = basis.kpoints.map(\.count).min() ?? 0
        guard bands <= smallest else {
            throw InputError("bands", "\(bands) bands exceed the \(smallest) plane waves of the smallest k-point basis")
        }
        // a few extra bands converge the requested ones faster and safely across degeneracies
        let solved = min(smallest, bands + max(2, bands / 4))
        let transform = WavefunctionFFT(basis: basis)
        let pool = distribution.pool
        var flat = [Double](repeating: 0, count: kpoints.count * bands)
        var previous: (k: Int, vectors: ComplexMatrix)? = nil
        let lattice = model.crystal.lattice
        // A k-point that fails on one process must not leave the others waiting in the sum: the
        // failure is counted in it (last slot) and thrown on every process afterwards.
        var failure: Error? = nil
        for k in basis.kpoints.indices where distribution.owns(k) && failure == nil {
            do {
                let kb = basis.kpoints[k]
                let nonlocal = NonlocalProjectors(kbasis: kb, model: model)
                let h = Hamiltonian(kbasis: kb, potential: potential, nonlocal: nonlocal, transform: transform,
                                    layout: transform.layout(for: kb))
                var x0 = Self.randomBlock(rows: kb.count, cols: solved, seed: k, kinetic: kb.kinetic)
                if let p = previous {
                    let dk = lattice.reciprocalCartesian(kb.kpoint.reduced - basis.kpoints[p.k].kpoint.reduced)
                    if norm(dk) < 0.25 { x0 = Self.transfer(p.vectors, from: basis.kpoints[p.k], to: kb, fallback: x0) }
                }
                let tpa = TPAPreconditioner(kinetic: kb.kinetic)
                let apply: (ComplexMatrix) throws -> ComplexMatrix
                if let pool, pool.size > 1 {
                    apply = { x in try pool.mapColumns(x) { h.apply($0) } }
                } else {
                    apply = { h.apply($0) }
                }
                var tolerances = [Double](repeating: tolerance, count: solved)
                for n in bands..<solved { tolerances[n] = max(tolerance, 1e-3) }
                let r = try LOBPCG.solve(apply: apply, precondition: { w, b, x in tpa.apply(&w, bands: b, current: x) },
                                         initial: x0, tolerances: tolerances, maxIterations: maxIterations)
                if !r.converged, r.residualNorms.prefix(bands).contains(where: { $0 > 100 * tolerance }) {
                    throw InputError("bands", "LOBPCG did not converge at k = \(kb.kpoint.reduced) (residuals \(r.residualNorms.prefix(bands).map { String(format: "%.1e", $0) }))")
                }
                previous = (k, r.vectors)
                if (pool?.rank ?? 0) == 0 { for n in 0..<bands { flat[k * bands + n] = r.values[n] } }
            } catch {
                failure = error
            }
        }
        flat.append(failure == nil ? 0 : 1)
        try distribution.sum(&flat)
        if let failure { throw failure }
        if flat.removeLast() > 0 { throw InputError("bands", "the band calculation failed on another process") }
        return (0..<kpoints.count).map { k in Array(flat[(k * bands)..<((k + 1) * bands)]) }
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

    /// Deterministic pseudo-random start vectors, damped at high kinetic energy.
    static func randomBlock(rows: Int, cols: Int, seed: Int, kinetic: [Double]) -> ComplexMatrix {
        var state = UInt64(truncatingIfNeeded: seed) &* 0x9E3779B97F4A7C15 &+ 0x2545F4914F6CDD1D
        func next() -> Double {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Double((state &* 0x2545F4914F6CDD1D) >> 11) / Double(1 << 53) - 0.5
        }
        return ComplexMatrix(rows: rows, cols: cols) { g, _ in Complex64(next(), next()) * (1 / (1 + kinetic[g])) }
    }
}

/// A standard path through the Brillouin zone: labelled points in reduced coordinates of the
/// primitive reciprocal vectors, and the continuous runs of labels that form the path.
public struct HighSymmetryPath: Sendable, Equatable {
    /// "FCC", "BCC", "CUB", or "generic".
    public let lattice: String
    public let points: [String: SIMD3<Double>]
    /// Continuous runs of labels; a break between runs (drawn as "K|U") jumps without sampling.
    public let segments: [[String]]

    public init(lattice: String, points: [String: SIMD3<Double>], segments: [[String]]) {
        self.lattice = lattice; self.points = points; self.segments = segments
    }

    /// Setyawan–Curtarolo (Comput. Mater. Sci. 49, 299 (2010)) FCC path Γ–X–W–K–Γ–L–U–W–L–K in
    /// reduced coordinates of the primitive cell a₁ = a/2(0,1,1), a₂ = a/2(1,0,1), a₃ = a/2(1,1,0).
    public static let fcc = HighSymmetryPath(
        lattice: "FCC",
        points: ["Γ": SIMD3(0, 0, 0), "X": SIMD3(0.5, 0, 0.5), "W": SIMD3(0.5, 0.25, 0.75), "K": SIMD3(0.375, 0.375, 0.75),
                 "L": SIMD3(0.5, 0.5, 0.5), "U": SIMD3(0.625, 0.25, 0.625)],
        segments: [["Γ", "X", "W", "K", "Γ", "L", "U", "W", "L", "K"]])

    /// Setyawan–Curtarolo BCC path Γ–H–N–Γ–P–H|P–N for a₁ = a/2(−1,1,1), a₂ = a/2(1,−1,1), a₃ = a/2(1,1,−1).
    public static let bcc = HighSymmetryPath(
        lattice: "BCC",
        points: ["Γ": SIMD3(0, 0, 0), "H": SIMD3(0.5, -0.5, 0.5), "N": SIMD3(0, 0, 0.5), "P": SIMD3(0.25, 0.25, 0.25)],
        segments: [["Γ", "H", "N", "Γ", "P", "H"], ["P", "N"]])

    /// Setyawan–Curtarolo simple-cubic path Γ–X–M–Γ–R–X|M–R.
    public static let cubic = HighSymmetryPath(
        lattice: "CUB",
        points: ["Γ": SIMD3(0, 0, 0), "X": SIMD3(0, 0.5, 0), "M": SIMD3(0.5, 0.5, 0), "R": SIMD3(0.5, 0.5, 0.5)],
        segments: [["Γ", "X", "M", "Γ", "R", "X"], ["M", "R"]])

    /// A path through the zone-face centres of any cell: Γ–B₁/2–Γ–B₂/2–Γ–B₃/2 (no symmetry assumed).
    public static let generic = HighSymmetryPath(
        lattice: "generic",
        points: ["Γ": SIMD3(0, 0, 0), "A": SIMD3(0.5, 0, 0), "B": SIMD3(0, 0.5, 0), "C": SIMD3(0, 0, 0.5)],
        segments: [["Γ", "A"], ["Γ", "B"], ["Γ", "C"]])

    /// The standard path of the lattice when its vectors are (up to scale) the FCC, BCC or simple
    /// cubic primitive cell used here; otherwise `generic`.
    public static func standard(for lattice: Lattice) -> HighSymmetryPath {
        let len = norm(lattice.vectors[0])
        func matches(_ other: Lattice) -> Bool {
            zip(lattice.vectors, other.vectors).allSatisfy { norm($0 - $1) < 1e-6 * len }
        }
        if matches(.fcc(len * 2.0.squareRoot())) { return .fcc }
        if matches(.bcc(len * 2 / 3.0.squareRoot())) { return .bcc }
        if matches(.cubic(len)) { return .cubic }
        return .generic
    }

    /// The path as text, e.g. "Γ–X–W–K–Γ–L–U–W–L–K" (runs separated by "|").
    public var description: String { segments.map { $0.joined(separator: "–") }.joined(separator: "|") }

    /// k-points along the path, spaced about evenly in Cartesian length (about `count` in total,
    /// every labelled point included), with the cumulative path length and the label ticks.
    public func sample(lattice: Lattice, count: Int) -> SampledPath {
        let legLengths = segments.map { run in
            (0..<(run.count - 1)).map { norm(lattice.reciprocalCartesian(points[run[$0 + 1]]! - points[run[$0]]!)) }
        }
        let total = legLengths.flatMap { $0 }.reduce(0, +)
        let legs = legLengths.reduce(0) { $0 + $1.count }
        let step = total / Double(max(count - 1, legs, 1))
        var kpoints: [SIMD3<Double>] = [], distance: [Double] = [], ticks: [SampledPath.Tick] = [], runStarts: [Int] = []
        var s = 0.0
        for (r, run) in segments.enumerated() {
            // a new run starts where the previous one ended on the length axis (a jump, drawn "K|U")
            kpoints.append(points[run[0]]!); distance.append(s); runStarts.append(kpoints.count - 1)
            if r == 0 {
                ticks.append(.init(index: 0, distance: s, label: run[0]))
            } else {
                let t = ticks.removeLast()
                ticks.append(.init(index: kpoints.count - 1, distance: s, label: t.label + "|" + run[0]))
            }
            for i in 0..<(run.count - 1) {
                let from = points[run[i]]!, to = points[run[i + 1]]!, length = legLengths[r][i]
                let n = max(1, Int((length / step).rounded()))
                for j in 1...n {
                    let t = Double(j) / Double(n)
                    kpoints.append(from + t * (to - from))
                    distance.append(s + t * length)
                }
                s += length
                ticks.append(.init(index: kpoints.count - 1, distance: s, label: run[i + 1]))
            }
        }
        return SampledPath(kpoints: kpoints, distance: distance, ticks: ticks, runStarts: runStarts)
    }
}

/// k-points sampled along a path.
public struct SampledPath: Sendable, Equatable {
    public struct Tick: Sendable, Equatable, Codable {
        public let index: Int
        /// Cumulative path length (bohr⁻¹).
        public let distance: Double
        public let label: String
    }
    public let kpoints: [SIMD3<Double>]
    /// Cumulative Cartesian path length at each point (bohr⁻¹).
    public let distance: [Double]
    public let ticks: [Tick]
    /// Indices where a continuous run begins (no line is drawn from the point before).
    public let runStarts: [Int]

    public init(kpoints: [SIMD3<Double>], distance: [Double], ticks: [Tick], runStarts: [Int]) {
        self.kpoints = kpoints; self.distance = distance; self.ticks = ticks; self.runStarts = runStarts
    }
}

/// A band structure along a path.
public struct BandStructure: Sendable {
    public let path: HighSymmetryPath
    public let sampled: SampledPath
    /// Eigenvalues (Ha, ABINIT's convention) per k-point, ascending.
    public let eigenvalues: [[Double]]
    public let electrons: Int

    public init(path: HighSymmetryPath, sampled: SampledPath, eigenvalues: [[Double]], electrons: Int) {
        self.path = path; self.sampled = sampled; self.eigenvalues = eigenvalues; self.electrons = electrons
    }

    /// Computes the bands along `path` (sampled with about `points` k-points) from a converged density.
    public static func compute(bands solver: NonSelfConsistentBands, path: HighSymmetryPath, points: Int = 120, bands: Int,
                               tolerance: Double = 1e-7, distribution: KPointDistribution = SerialKPoints()) throws -> BandStructure {
        let sampled = path.sample(lattice: solver.model.crystal.lattice, count: points)
        let e = try solver.eigenvalues(kpoints: sampled.kpoints, bands: bands, tolerance: tolerance, distribution: distribution)
        return BandStructure(path: path, sampled: sampled, eigenvalues: e, electrons: solver.model.electronCount)
    }

    /// VBM/CBM along the path (nil for odd electron counts).
    public var gap: BandGap? {
        BandGap.find(eigenvalues: eigenvalues, kpoints: sampled.kpoints, electrons: electrons)
    }

    /// The label of a k-point on the path if it is a labelled point.
    public func label(of k: SIMD3<Double>) -> String? {
        path.points.first { norm($0.value - k) < 1e-9 }?.key
    }
}

/// Density of states with Gaussian broadening, from eigenvalues on a weighted k-mesh:
/// g(E) = 2 Σ_k w_k Σ_n exp(−(E − ε_nk)²/2σ²)/(σ√2π) (both spins, per cell).
public struct DensityOfStates: Sendable, Codable, Equatable {
    /// Energies (Ha).
    public let energies: [Double]
    /// States per Ha per cell.
    public let dos: [Double]
    /// Number of states per cell below each energy.
    public let integrated: [Double]
    public let sigma: Double
    /// Fermi level (Ha) of the mesh eigenvalues with the model's smearing.
    public let fermiLevel: Double

    public init(eigenvalues: [[Double]], weights: [Double], sigma: Double, step: Double? = nil, fermiLevel: Double,
                window: ClosedRange<Double>? = nil) {
        let all = eigenvalues.flatMap { $0 }
        let lo = window?.lowerBound ?? ((all.min() ?? 0) - 5 * sigma)
        let hi = window?.upperBound ?? ((all.max() ?? 0) + 5 * sigma)
        let de = step ?? sigma / 5
        let n = max(2, Int(((hi - lo) / de).rounded(.up)) + 1)
        let grid = (0..<n).map { lo + Double($0) * de }
        var g = [Double](repeating: 0, count: n)
        var cumulative = [Double](repeating: 0, count: n)
        let norm = 1 / (sigma * (2 * Double.pi).squareRoot())
        for (k, e) in eigenvalues.enumerated() {
            let w = 2 * weights[k]
            for x in e {
                let first = max(0, Int(((x - 8 * sigma - lo) / de).rounded(.down)))
                let last = min(n - 1, Int(((x + 8 * sigma - lo) / de).rounded(.up)))
                if first <= last {
                    for i in first...last {
                        let t = (grid[i] - x) / sigma
                        g[i] += w * norm * exp(-t * t / 2)
                    }
                }
                // integrated: exact Gaussian cumulative on the whole grid
                for i in 0..<n {
                    let t = (grid[i] - x) / (sigma * 2.0.squareRoot())
                    if t < -6 { continue }
                    cumulative[i] += w * (t > 6 ? 1 : 0.5 * erfc(-t))
                }
            }
        }
        energies = grid; dos = g; integrated = cumulative; self.sigma = sigma; self.fermiLevel = fermiLevel
    }

    /// Computes eigenvalues on a Monkhorst–Pack mesh (irreducible points with weights) and their DOS.
    public static func compute(bands solver: NonSelfConsistentBands, mesh: [Int], shift: [Int] = [0, 0, 0], bands: Int,
                               sigma: Double, tolerance: Double = 1e-6,
                               distribution: KPointDistribution = SerialKPoints()) throws -> (dos: DensityOfStates, eigenvalues: [[Double]], kpoints: [KPoint]) {
        let kps = MonkhorstPack.kpoints(crystal: solver.model.crystal, mesh: mesh, shift: shift, useSymmetry: true)
        let e = try solver.eigenvalues(kpoints: kps.map(\.reduced), bands: bands, tolerance: tolerance, distribution: distribution)
        let w = kps.map(\.weight)
        let occ = try Occupations.compute(eigenvalues: e, weights: w, electrons: solver.model.electronCount,
                                          smearing: solver.model.smearing)
        return (DensityOfStates(eigenvalues: e, weights: w, sigma: sigma, fermiLevel: occ.fermiLevel), e, kps)
    }
}
