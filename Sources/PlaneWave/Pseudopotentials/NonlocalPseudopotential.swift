import Bindings
import Numerics
import Foundation

/// The non-local pseudopotential term, E_NL = Σ_k w_k Σ_n f_nk ⟨ψ_nk|V_NL|ψ_nk⟩, whose operator is
/// the separable V_NL = P D Pᴴ of each k-point (`NonlocalProjectors`).
public final class NonlocalPseudopotential: OrbitalTerm {
    public let name = "non_local_psp"
    public let model: Model

    /// Bytes of P one block of atoms may take (`NonlocalProjectors.blockBytes`; smaller in tests).
    var blockBytes = NonlocalProjectors.blockBytes

    public init(model: Model) { self.model = model }

    /// The projectors at one k-point (built anew at each call: cheap against storing them for every k-point).
    public func projectors(at kbasis: KBasis) -> NonlocalProjectors {
        NonlocalProjectors(kbasis: kbasis, model: model, blockBytes: blockBytes)
    }

    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .nonlocal }

    public func bandExpectations(_ x: ComplexMatrix, kbasis: KBasis) -> [Double] { projectors(at: kbasis).expectation(x) }
}

/// P and P D on a set of plane waves (rows in the order asked for), for matrix elements
/// ⟨k+G_i|V_NL|k+G_j⟩ = Σ_b (P D)_ib P*_jb.
public struct NonlocalRows: Sendable {
    public let projectors: ComplexMatrix
    public let projectorsTimesCoupling: ComplexMatrix

    /// h += (P D) Pᴴ, the matrix of V_NL on these plane waves (one matrix product).
    public func addMatrix(into h: inout ComplexMatrix) {
        gemm(.none, projectorsTimesCoupling, .adjoint, projectors, beta: .one, into: &h)
    }
}

/// Separable non-local part of the pseudopotentials at one k-point:
/// V_NL = P D Pᴴ with P_{G,(a,l,i,m)} = ⟨k+G|p^a_{ilm}⟩ = Ω^{−½} e^{−i(k+G)·τ_a} (−i)^l Y_lm(k+G) p^l_i(|k+G|)
/// (real spherical harmonics) and D block-diagonal with the h^l_ij of each atom and channel.
///
/// P is not stored for all atoms unless it fits `blockBytes`: the atom-independent shapes
/// Ω^{−½} Y_lm(k+G) p^l_i(|k+G|) are kept per species, and P is formed a block of atoms at a time
/// (each block's columns at most `blockBytes`), with the structure factor e^{−i(k+G)·τ_a} of each atom,
/// inside every product with it (the scheme of ABINIT and Quantum ESPRESSO, which apply the structure
/// factor atom by atom). D being block-diagonal by atom, V_NL X = Σ_blocks P_b D_b P_bᴴ X.
public struct NonlocalProjectors: Sendable {
    /// Bytes of P one block of atoms may take (the whole P is kept when it fits).
    public static let blockBytes = 16 << 20
    /// Columns one block may have (bounds its D_b, blockColumns² elements).
    static let blockColumns = 1024

    /// Number of projectors Σ_a (projectors of a), the columns of P.
    public let count: Int
    let kbasis: KBasis
    /// Per species slot: Ω^{−½} Y_lm p^l_i at each plane wave, one column of `rows` values per projector
    /// of one atom, in the column order of P (empty once the whole P is kept); the factor (−i)^l of
    /// each such column.
    private(set) var shapes: [[Double]]
    let phaseOfColumn: [[Complex64]]
    /// Per atom: its species slot, reduced position and first column in P.
    let speciesOfAtom: [Int]
    let positions: [SIMD3<Double>]
    let firstColumn: [Int]
    /// Atom ranges of the blocks, their D_b, and P itself when one block holds every atom.
    let blocks: [Range<Int>]
    let couplings: [ComplexMatrix]
    /// The species of each slot.
    let species: [String]
    /// Smallest and largest Miller index along each axis (the range of the structure-factor tables).
    let millerRange: (low: SIMD3<Int32>, high: SIMD3<Int32>)
    private(set) var whole: ComplexMatrix? = nil

    /// Builds the shapes and D for one k-point. Per plane wave, |k+G|, the real harmonics Y_lm and each
    /// species' radial projectors p^l_i(|k+G|) are evaluated once and shared by all atoms of the species.
    public init(kbasis: KBasis, model: Model, blockBytes: Int = Self.blockBytes) {
        let crystal = model.crystal
        self.kbasis = kbasis
        let npw = kbasis.count
        var slots: [String: Int] = [:]
        var species: [String] = []
        for atom in crystal.atoms where slots[atom.species] == nil { slots[atom.species] = species.count; species.append(atom.species) }
        let speciesOfAtom = crystal.atoms.map { slots[$0.species]! }
        self.speciesOfAtom = speciesOfAtom
        positions = crystal.atoms.map(\.position)
        let perAtom = species.map { model.pseudopotentials[$0]!.projectorCount }
        var first: [Int] = []
        var total = 0
        for s in speciesOfAtom { first.append(total); total += perAtom[s] }
        firstColumn = first
        count = total
        let invSqrtOmega = 1 / crystal.lattice.volume.squareRoot()
        let q = kbasis.kPlusG
        let qNorm = q.map { norm($0) }
        let lmax = model.pseudopotentials.values.flatMap { $0.projectorChannels.map(\.l) }.max() ?? 0
        let ylm = total > 0 ? realSphericalHarmonics(lmax: lmax, q) : []
        var shapes: [[Double]] = []
        var phaseOfColumn: [[Complex64]] = []
        var speciesCoupling: [[(Int, Int, Double)]] = []   // (row, col, h) within one atom's columns
        for name in species {
            let pp = model.pseudopotentials[name]!
            var shape = [Double](repeating: 0, count: npw * pp.projectorCount)
            var phase: [Complex64] = []
            var entries: [(Int, Int, Double)] = []
            var col = 0
            for (c, ch) in pp.projectorChannels.enumerated() {
                let l = ch.l
                let il: Complex64 = [Complex64(1, 0), Complex64(0, -1), Complex64(-1, 0), Complex64(0, 1)][l % 4]
                let first = col
                for i in 0..<ch.count {
                    let f = pp.projectorFourier(channel: c, i: i, q: qNorm, scale: invSqrtOmega)
                    for mIndex in 0..<(2 * l + 1) {
                        let y = ylm[l * l + mIndex]
                        for g in 0..<npw { shape[col * npw + g] = f[g] * y[g] }
                        phase.append(il)
                        col += 1
                    }
                }
                // D_{(i,m),(j,m)} = h_ij
                let nm = 2 * l + 1
                for i in 0..<ch.count { for j in 0..<ch.count { for mIndex in 0..<nm {
                    entries.append((first + i * nm + mIndex, first + j * nm + mIndex, ch.h[i][j]))
                } } }
            }
            shapes.append(shape); phaseOfColumn.append(phase); speciesCoupling.append(entries)
        }
        self.shapes = shapes
        self.phaseOfColumn = phaseOfColumn
        // blocks of consecutive atoms, each at most `blockBytes` of P and `blockColumns` columns (at least one atom)
        let maxColumns = max(1, min(Self.blockColumns, blockBytes / max(1, npw * MemoryLayout<Complex64>.stride)))
        var blocks: [Range<Int>] = []
        var start = 0
        var columns = 0
        for a in speciesOfAtom.indices {
            let n = perAtom[speciesOfAtom[a]]
            if a > start && columns + n > maxColumns { blocks.append(start..<a); start = a; columns = 0 }
            columns += n
        }
        if start < speciesOfAtom.count { blocks.append(start..<speciesOfAtom.count) }
        if total == 0 { blocks = [] }
        self.blocks = blocks
        couplings = blocks.map { b in
            let offset = first[b.lowerBound]
            let n = (b.upperBound < first.count ? first[b.upperBound] : total) - offset
            var d = ComplexMatrix(rows: n, cols: n)
            for a in b {
                let o = first[a] - offset
                for (i, j, h) in speciesCoupling[speciesOfAtom[a]] { d[o + i, o + j] = Complex64(h, 0) }
            }
            return d
        }
        self.species = species
        var low = SIMD3<Int32>(repeating: 0), high = low
        for m in kbasis.millers { low = pointwiseMin(low, m); high = pointwiseMax(high, m) }
        millerRange = (low, high)
        if self.blocks.count == 1 {
            whole = assemble(self.blocks[0], shapes: shapes)
            self.shapes = []
        }
    }

    /// Columns of P of the atoms of block `b`.
    func columns(ofBlock b: Int) -> Range<Int> {
        let range = blocks[b]
        return firstColumn[range.lowerBound]..<(range.upperBound < firstColumn.count ? firstColumn[range.upperBound] : count)
    }

    /// P_b: the columns of block `b`'s atoms (the kept P when there is one block).
    func block(_ b: Int) -> ComplexMatrix {
        if let whole { return whole }
        return assemble(blocks[b], shapes: shapes)
    }

    /// Columns e^{−i(k+G)·τ_a} (−i)^l s_G for the atoms `atoms` and per-species column shapes `shapes`
    /// (the shapes of P, or of one of its derivatives), on the plane waves `planeWaves` (all when nil).
    func assemble(_ atoms: Range<Int>, shapes: [[Double]], planeWaves: [Int]? = nil) -> ComplexMatrix {
        let npw = kbasis.count
        let rows = planeWaves?.count ?? npw
        let offset = firstColumn[atoms.lowerBound]
        let end = atoms.upperBound < firstColumn.count ? firstColumn[atoms.upperBound] : count
        var p = ComplexMatrix(rows: rows, cols: end - offset)
        let millers = planeWaves.map { $0.map { kbasis.millers[$0] } } ?? kbasis.millers
        var phases = [Complex64](repeating: .zero, count: rows)
        let k = kbasis.kpoint.reduced
        p.storage.withUnsafeMutableBufferPointer { ps in
            for a in atoms {
                let s = speciesOfAtom[a]
                // P of one block is built once (with a sine and cosine per plane wave); blocks are rebuilt at
                // every use, with the structure factor from its three one-dimensional factors
                if blocks.count == 1 {
                    structureFactor(&phases, millers: millers, k: k, tau: positions[a])
                } else {
                    separableStructureFactor(&phases, millers: millers, range: millerRange, k: k, tau: positions[a])
                }
                shapes[s].withUnsafeBufferPointer { shape in
                    for (c, il) in phaseOfColumn[s].enumerated() {
                        let out = ps.baseAddress! + (firstColumn[a] - offset + c) * rows
                        let f = shape.baseAddress! + c * npw
                        if let planeWaves {
                            for (r, g) in planeWaves.enumerated() { out[r] = phases[r] * il * f[g] }
                        } else {
                            for g in 0..<npw { out[g] = phases[g] * il * f[g] }
                        }
                    }
                }
            }
        }
        return p
    }

    /// P and P D on the plane waves `planeWaves` (all when nil), for dense matrix elements.
    public func rows(_ planeWaves: [Int]? = nil) -> NonlocalRows {
        let n = planeWaves?.count ?? kbasis.count
        var p = ComplexMatrix(rows: n, cols: count)
        var pd = ComplexMatrix(rows: n, cols: count)
        for b in blocks.indices {
            let cols = columns(ofBlock: b)
            let pb: ComplexMatrix
            if let planeWaves {
                pb = whole.map { w in ComplexMatrix(rows: n, cols: w.cols) { i, j in w[planeWaves[i], j] } }
                    ?? assemble(blocks[b], shapes: shapes, planeWaves: planeWaves)
            } else {
                pb = block(b)
            }
            p.setColumns(from: pb, at: cols.lowerBound)
            pd.setColumns(from: multiply(.none, pb, .none, couplings[b]), at: cols.lowerBound)
        }
        return NonlocalRows(projectors: p, projectorsTimesCoupling: pd)
    }

    /// Calls `body(b, P_b, c_b = P_bᴴ X, D_b c_b)` for each block of atoms, in order.
    func forEachBlock(_ x: ComplexMatrix, _ body: (Int, ComplexMatrix, ComplexMatrix, ComplexMatrix) -> Void) {
        for b in blocks.indices {
            let p = block(b)
            let c = multiply(.adjoint, p, .none, x)
            let dc = multiply(.none, couplings[b], .none, c)
            body(b, p, c, dc)
        }
    }

    /// Y ← Y + P D Pᴴ X.
    public func apply(_ x: ComplexMatrix, addingTo y: inout ComplexMatrix) {
        forEachBlock(x) { _, p, _, dc in gemm(.none, p, .none, dc, beta: .one, into: &y) }
    }

    /// This process' rows of Y + V_NL X when X's rows are split over processes (LOBPCG on a k-point
    /// pool): `x` holds the rows of X at this k-point's plane waves `planeWaves`, each row scaled by
    /// `weights` (nil: 1). Per block of atoms, c_b = P_bᴴ X = Σ_processes P_b,rowsᴴ X_rows is completed by
    /// `rowSum` (collective: every process holding rows of X calls it once per block, in order), and
    /// this process' rows get P_b,rows D_b c_b: each process forms and multiplies only its rows of P.
    /// Packed real vectors at Γ (`RealCoefficientsAtGamma`, `real`): the rows are the pairs'
    /// representatives with weights √2 (1 at G = 0), and c_b is the real part of the weighted sum,
    /// since P(−G) = P(G)* (so Σ over ±G of P*c is twice the real part at G).
    public func applyRows(_ x: ComplexMatrix, planeWaves: [Int], weights: [Double]?, real: Bool,
                          addingTo y: inout ComplexMatrix, rowSum: @escaping LOBPCG.RowSum) throws {
        precondition(x.rows == planeWaves.count && y.rows == x.rows && y.cols == x.cols, "applyRows: blocks of this process' rows")
        for b in blocks.indices {
            var p = whole.map { w in ComplexMatrix(rows: planeWaves.count, cols: w.cols) { i, j in w[planeWaves[i], j] } }
                ?? assemble(blocks[b], shapes: shapes, planeWaves: planeWaves)
            if let weights {
                for j in 0..<p.cols { for i in 0..<p.rows { p[i, j] = p[i, j] * weights[i] } }
            }
            var c = multiply(.adjoint, p, .none, x)
            try LOBPCG.sum(&c, rowSum)
            if real { LOBPCG.keepRealPart(&c) }
            gemm(.none, p, .none, multiply(.none, couplings[b], .none, c), beta: .one, into: &y)
        }
    }

    /// ⟨x_n|V_NL|x_n⟩ for every column n.
    public func expectation(_ x: ComplexMatrix) -> [Double] {
        var e = [Double](repeating: 0, count: x.cols)
        forEachBlock(x) { _, _, c, dc in
            for n in 0..<x.cols {
                var s = e[n]
                for a in 0..<c.rows { s += (c[a, n].conjugate * dc[a, n]).real }
                e[n] = s
            }
        }
        return e
    }
}

/// Y_lm(q̂) for every l ≤ lmax and m at every q, indexed [l² + m][q] (as `realSphericalHarmonic`).
func realSphericalHarmonics(lmax: Int, _ q: [SIMD3<Double>]) -> [[Double]] {
    var table: [[Double]] = []
    for l in 0...lmax {
        for m in 0..<(2 * l + 1) { table.append(q.map { realSphericalHarmonic(l: l, m: m, $0) }) }
    }
    return table
}

/// Real spherical harmonics Y_lm(q̂), normalised on the unit sphere (l ≤ 3). Y_{l>0}(0) = 0.
@inlinable func realSphericalHarmonic(l: Int, m: Int, _ q: SIMD3<Double>) -> Double {
    let r = norm(q)
    if l == 0 { return 0.5 / Double.pi.squareRoot() }
    if r < 1e-14 { return 0 }
    let x = q.x / r, y = q.y / r, z = q.z / r
    let pi = Double.pi
    switch (l, m) {
    case (1, 0): return (3 / (4 * pi)).squareRoot() * x
    case (1, 1): return (3 / (4 * pi)).squareRoot() * y
    case (1, 2): return (3 / (4 * pi)).squareRoot() * z
    case (2, 0): return (15 / (4 * pi)).squareRoot() * x * y
    case (2, 1): return (15 / (4 * pi)).squareRoot() * y * z
    case (2, 2): return (5 / (16 * pi)).squareRoot() * (3 * z * z - 1)
    case (2, 3): return (15 / (4 * pi)).squareRoot() * x * z
    case (2, 4): return (15 / (16 * pi)).squareRoot() * (x * x - y * y)
    case (3, 0): return (35 / (32 * pi)).squareRoot() * y * (3 * x * x - y * y)
    case (3, 1): return (105 / (4 * pi)).squareRoot() * x * y * z
    case (3, 2): return (21 / (32 * pi)).squareRoot() * y * (5 * z * z - 1)
    case (3, 3): return (7 / (16 * pi)).squareRoot() * z * (5 * z * z - 3)
    case (3, 4): return (21 / (32 * pi)).squareRoot() * x * (5 * z * z - 1)
    case (3, 5): return (105 / (16 * pi)).squareRoot() * z * (x * x - y * y)
    case (3, 6): return (35 / (32 * pi)).squareRoot() * x * (x * x - 3 * y * y)
    default: preconditionFailure("real spherical harmonic l=\(l) m=\(m)")
    }
}

extension NonlocalPseudopotential: AtomicForceTerm {
    /// This process' part of F_a = −Σ_k w_k Σ_n f_nk ∂/∂τ_a ⟨ψ_nk|P D Pᴴ|ψ_nk⟩. Only the columns of
    /// atom a depend on τ_a, through e^{−i(k+G)·τ_a}: ∂P_a/∂τ_a,α = −i(k+G)_α P_a, so
    ///   F_a,α = −Σ_k w_k Σ_n f_nk 2 Re[((i(k+G)_α P_a)ᴴ ψ_nk)ᴴ (D Pᴴψ_nk)_a]
    /// (D is block-diagonal by atom; (k+G)_α real, so P_aᴴ(q_α ψ) = (q_α P_a)ᴴ ψ, formed a block of
    /// atoms at a time). Sums over the k-points of `state.orbitals` and the bands of `state.ownsBand`.
    public func forces(_ state: ForceState) -> [SIMD3<Double>] {
        let atoms = model.crystal.atoms
        var forces = [SIMD3<Double>](repeating: .zero, count: atoms.count)
        // the atom of each projector column, in `NonlocalProjectors`' order
        let owner = atoms.indices.flatMap { a in
            [Int](repeating: a, count: model.pseudopotentials[atoms[a].species]!.projectorCount)
        }
        var momenta: (k: SIMD3<Double>, q: [[Double]])? = nil   // (k+G)_α of the current k-point
        forEachOccupiedProjection(state) { kb, x, bands, weights, p, b, pb, _, dc in
            let offset = p.columns(ofBlock: b).lowerBound
            if momenta?.k != kb.kpoint.reduced { momenta = (kb.kpoint.reduced, Self.momentumComponents(kb)) }
            for alpha in 0..<3 {
                // Pᴴ(i q_α ψ) = i (q_α P)ᴴ ψ, and Re[(i c)* d] = Im[c* d]
                let c = multiplyAdjoint(pb, rowWeights: momenta!.q[alpha], x)
                for (n, f) in zip(bands, weights) {
                    for j in 0..<c.rows {
                        forces[owner[offset + j]][alpha] -= 2 * f * (c[j, n].conjugate * dc[j, n]).imaginary
                    }
                }
            }
        }
        return forces
    }

    /// Calls `body(kbasis, ψ, bands, w_k f_nk of those bands, projectors, block b, P_b, c_b = P_bᴴψ, D_b c_b)`
    /// for each block of atoms of each k-point of `state.orbitals` (ascending) with occupied bands of
    /// `state.ownsBand` and projectors: the set-up shared by the forces and the strain derivative.
    /// ψ holds just those bands (its columns `bands`, so that the products cost what this process'
    /// share of the occupied bands does).
    func forEachOccupiedProjection(_ state: ForceState,
                                   _ body: (KBasis, ComplexMatrix, [Int], [Double], NonlocalProjectors, Int,
                                            ComplexMatrix, ComplexMatrix, ComplexMatrix) -> Void) {
        for k in state.orbitals.keys.sorted() {
            let all = state.orbitals[k]!
            let kb = state.kpoints[k]
            let occupations = state.occupations[k]
            let owned = (0..<min(all.cols, occupations.count)).filter { state.ownsBand($0) && occupations[$0] != 0 }
            if owned.isEmpty { continue }
            let p = projectors(at: kb)
            if p.count == 0 { continue }
            let weights = owned.map { kb.kpoint.weight * occupations[$0] }
            var x = all
            if owned == Array(0..<owned.count) {
                x.shrink(toColumns: owned.count)     // the leading bands: read in place
            } else {
                x = ComplexMatrix(rows: all.rows, cols: owned.count)
                for (j, n) in owned.enumerated() { x.setColumns(from: all, column: n, at: j) }
            }
            let bands = Array(0..<owned.count)
            p.forEachBlock(x) { b, pb, c, dc in body(kb, x, bands, weights, p, b, pb, c, dc) }
        }
    }

    /// (k+G)_α of every plane wave of `kb` for α = x, y, z (bohr⁻¹), taken once per k-point: `kPlusG`
    /// is computed from the Miller indices at each use.
    static func momentumComponents(_ kb: KBasis) -> [[Double]] {
        let q = kb.kPlusG
        return (0..<3).map { alpha in q.map { $0[alpha] } }
    }
}

/// ∇_q Y_lm(q̂) (bohr), the gradient of `realSphericalHarmonic` in q: the tangential part of the
/// gradient of its polynomial in û = q/|q|, over |q|: (∇P − û (û·∇P))/|q|. Zero at q = 0.
@inlinable func realSphericalHarmonicGradient(l: Int, m: Int, _ q: SIMD3<Double>) -> SIMD3<Double> {
    let r = norm(q)
    if l == 0 || r < 1e-14 { return .zero }
    let x = q.x / r, y = q.y / r, z = q.z / r
    let pi = Double.pi
    let p: SIMD3<Double>
    switch (l, m) {
    case (1, 0): p = (3 / (4 * pi)).squareRoot() * SIMD3(1, 0, 0)
    case (1, 1): p = (3 / (4 * pi)).squareRoot() * SIMD3(0, 1, 0)
    case (1, 2): p = (3 / (4 * pi)).squareRoot() * SIMD3(0, 0, 1)
    case (2, 0): p = (15 / (4 * pi)).squareRoot() * SIMD3(y, x, 0)
    case (2, 1): p = (15 / (4 * pi)).squareRoot() * SIMD3(0, z, y)
    case (2, 2): p = (5 / (16 * pi)).squareRoot() * SIMD3(0, 0, 6 * z)
    case (2, 3): p = (15 / (4 * pi)).squareRoot() * SIMD3(z, 0, x)
    case (2, 4): p = (15 / (16 * pi)).squareRoot() * SIMD3(2 * x, -2 * y, 0)
    case (3, 0): p = (35 / (32 * pi)).squareRoot() * SIMD3(6 * x * y, 3 * x * x - 3 * y * y, 0)
    case (3, 1): p = (105 / (4 * pi)).squareRoot() * SIMD3(y * z, x * z, x * y)
    case (3, 2): p = (21 / (32 * pi)).squareRoot() * SIMD3(0, 5 * z * z - 1, 10 * y * z)
    case (3, 3): p = (7 / (16 * pi)).squareRoot() * SIMD3(0, 0, 15 * z * z - 3)
    case (3, 4): p = (21 / (32 * pi)).squareRoot() * SIMD3(5 * z * z - 1, 0, 10 * x * z)
    case (3, 5): p = (105 / (16 * pi)).squareRoot() * SIMD3(2 * x * z, -2 * y * z, x * x - y * y)
    case (3, 6): p = (35 / (32 * pi)).squareRoot() * SIMD3(3 * x * x - 3 * y * y, -6 * x * y, 0)
    default: preconditionFailure("real spherical harmonic l=\(l) m=\(m)")
    }
    let u = SIMD3(x, y, z)
    return (p - dot(u, p) * u) / r
}

extension NonlocalProjectors {
    /// The shapes of ∂P/∂q_β for β = x, y, z, indexed [β][species slot] as `shapes`: p^l_i(|q|) Y_lm(q̂)
    /// replaced by its derivative in (k+G)_β, p′(|q|) Y_lm(q̂) q_β/|q| + p(|q|) ∂Y_lm/∂q_β, times Ω^{−½};
    /// `assemble` adds the structure factor and (−i)^l.
    func derivativeShapes(model: Model) -> [[[Double]]] {
        let npw = kbasis.count
        let invSqrtOmega = 1 / model.crystal.lattice.volume.squareRoot()
        let q = kbasis.kPlusG
        let qNorm = q.map { norm($0) }
        let unit = q.indices.map { qNorm[$0] > 0 ? q[$0] / qNorm[$0] : .zero }
        let lmax = model.pseudopotentials.values.flatMap { $0.projectorChannels.map(\.l) }.max() ?? 0
        let ylm = realSphericalHarmonics(lmax: lmax, q)
        var dylm: [[SIMD3<Double>]] = []
        for l in 0...lmax { for m in 0..<(2 * l + 1) { dylm.append(q.map { realSphericalHarmonicGradient(l: l, m: m, $0) }) } }
        var result = [[[Double]]](repeating: [], count: 3)
        for name in species {
            let pp = model.pseudopotentials[name]!
            var shape = [[Double]](repeating: [Double](repeating: 0, count: npw * pp.projectorCount), count: 3)
            var col = 0
            for (c, ch) in pp.projectorChannels.enumerated() {
                let l = ch.l
                for i in 0..<ch.count {
                    let f = pp.projectorFourier(channel: c, i: i, q: qNorm, scale: invSqrtOmega)
                    let df = pp.projectorFourierDerivative(channel: c, i: i, q: qNorm, scale: invSqrtOmega)
                    for mIndex in 0..<(2 * l + 1) {
                        let y = ylm[l * l + mIndex], dy = dylm[l * l + mIndex]
                        for beta in 0..<3 {
                            for g in 0..<npw { shape[beta][col * npw + g] = df[g] * y[g] * unit[g][beta] + f[g] * dy[g][beta] }
                        }
                        col += 1
                    }
                }
            }
            for beta in 0..<3 { result[beta].append(shape[beta]) }
        }
        return result
    }
}

extension NonlocalPseudopotential: StressTerm {
    /// This process' part of ∂E_NL/∂ε_αβ. P ∝ Ω^{−½} gives −δ_αβ E_NL; the structure factors
    /// e^{−i(k+G)·τ_a} are invariant, and q = k+G strains as ∂q_γ/∂ε_αβ = −δ_γβ q_α, so
    /// ∂P/∂ε_αβ = −q_α ∂P/∂q_β (`NonlocalProjectors.derivativeShapes`) and
    ///   ∂E_NL/∂ε_αβ = −δ_αβ E_NL − Σ_k w_k Σ_n f_nk 2 Re[((q_α ∂_β P)ᴴ ψ_nk)ᴴ D Pᴴψ_nk],
    /// symmetrised in αβ, formed a block of atoms at a time. Sums over the k-points of `state.orbitals`
    /// and the bands of `state.ownsBand`.
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] {
        var t = Tensor3.zero
        var energy = 0.0
        var shapes: (k: SIMD3<Double>, shapes: [[[Double]]])? = nil   // the derivative shapes of the current k-point
        var momenta: (k: SIMD3<Double>, q: [[Double]])? = nil         // and its (k+G)_α
        forEachOccupiedProjection(state) { kb, x, bands, weights, p, b, _, c, dc in
            for (n, f) in zip(bands, weights) {
                var s = 0.0
                for j in 0..<c.rows { s += (c[j, n].conjugate * dc[j, n]).real }
                energy += f * s
            }
            if shapes?.k != kb.kpoint.reduced {
                shapes = (kb.kpoint.reduced, p.derivativeShapes(model: model))
                momenta = (kb.kpoint.reduced, Self.momentumComponents(kb))
            }
            for beta in 0..<3 {
                let dp = p.assemble(p.blocks[b], shapes: shapes!.shapes[beta])
                for alpha in 0..<3 {
                    let m = multiplyAdjoint(dp, rowWeights: momenta!.q[alpha], x)
                    var s = 0.0
                    for (n, f) in zip(bands, weights) {
                        var b = 0.0
                        for j in 0..<m.rows { b += (m[j, n].conjugate * dc[j, n]).real }
                        s += f * b
                    }
                    t[alpha][beta] -= 2 * s
                }
            }
        }
        t = Tensor3.symmetric(t)
        for a in 0..<3 { t[a][a] -= energy }
        return t
    }
}

/// The structure factor e^{−i(k+G)·τ} as the product of its factors e^{−2πi(m_d+k_d)τ_d} along the three
/// reciprocal axes, each tabulated over the Miller indices `range`: two complex products per plane wave
/// instead of a sine and a cosine (the same to a few units in the last place).
func separableStructureFactor(_ phases: inout [Complex64], millers: [SIMD3<Int32>], range: (low: SIMD3<Int32>, high: SIMD3<Int32>),
                              k: SIMD3<Double>, tau: SIMD3<Double>) {
    let tables = (0..<3).map { d in
        (range.low[d]...range.high[d]).map { m in
            let x = 2 * Double.pi * (Double(m) + k[d]) * tau[d]
            return Complex64(cos(x), -sin(x))
        }
    }
    let (t0, t1, t2) = (tables[0], tables[1], tables[2])
    let low = range.low
    for (g, m) in millers.enumerated() {
        phases[g] = t0[Int(m.x - low.x)] * t1[Int(m.y - low.y)] * t2[Int(m.z - low.z)]
    }
}

/// The structure factor e^{−i(k+G)·τ} of an atom at reduced position τ for the plane waves with
/// Miller indices `millers` at reduced k, into `phases`.
func structureFactor(_ phases: inout [Complex64], millers: [SIMD3<Int32>], k: SIMD3<Double>, tau: SIMD3<Double>) {
    for (g, m) in millers.enumerated() {
        let x = 2 * Double.pi * ((Double(m.x) + k.x) * tau.x + (Double(m.y) + k.y) * tau.y + (Double(m.z) + k.z) * tau.z)
        phases[g] = Complex64(cos(x), -sin(x))
    }
}
