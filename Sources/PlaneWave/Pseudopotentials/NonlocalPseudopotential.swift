import Bindings
import Numerics
import Foundation

/// The non-local pseudopotential term, E_NL = Σ_k w_k Σ_n f_nk ⟨ψ_nk|V_NL|ψ_nk⟩, whose operator is
/// the separable V_NL = P D Pᴴ of each k-point (`NonlocalProjectors`).
public final class NonlocalPseudopotential: OrbitalTerm {
    public let name = "non_local_psp"
    public let model: Model

    public init(model: Model) { self.model = model }

    /// P and D at one k-point (built anew at each call: cheap against storing them for every k-point).
    public func projectors(at kbasis: KBasis) -> NonlocalProjectors { NonlocalProjectors(kbasis: kbasis, model: model) }

    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .nonlocal }

    public func bandExpectations(_ x: ComplexMatrix, kbasis: KBasis) -> [Double] { projectors(at: kbasis).expectation(x) }
}

/// Separable non-local part of the pseudopotentials at one k-point:
/// V_NL = P D Pᴴ with P_{G,(a,l,i,m)} = ⟨k+G|p^a_{ilm}⟩ = Ω^{−½} e^{−i(k+G)·τ_a} (−i)^l Y_lm(k+G) p^l_i(|k+G|)
/// (real spherical harmonics) and D block-diagonal with the h^l_ij of each atom and channel.
public struct NonlocalProjectors: Sendable {
    public let projectors: ComplexMatrix
    public let coupling: ComplexMatrix
    public var count: Int { projectors.cols }

    /// Builds P and D for one k-point. Per plane wave, |k+G|, the real harmonics Y_lm and each
    /// species' radial projectors p^l_i(|k+G|) are evaluated once and shared by all columns that
    /// use them (cheap enough to rebuild per k-point and SCF step instead of storing every k-point's P).
    public init(kbasis: KBasis, model: Model) {
        let crystal = model.crystal
        let nproj = crystal.atoms.reduce(0) { $0 + model.pseudopotentials[$1.species]!.projectorCount }
        let npw = kbasis.count
        var p = ComplexMatrix(rows: npw, cols: nproj)
        var d = ComplexMatrix(rows: nproj, cols: nproj)
        guard nproj > 0 else { projectors = p; coupling = d; return }
        let k = kbasis.kpoint.reduced
        let invSqrtOmega = 1 / crystal.lattice.volume.squareRoot()
        let q = kbasis.kPlusG
        let qNorm = q.map { norm($0) }
        let lmax = model.pseudopotentials.values.flatMap { $0.projectorChannels.map(\.l) }.max() ?? 0
        let ylm = realSphericalHarmonics(lmax: lmax, q)
        // radial parts by species, channel and i, times Ω^{−½}
        var radial: [String: [[[Double]]]] = [:]
        for (species, pp) in model.pseudopotentials where crystal.atoms.contains(where: { $0.species == species }) {
            radial[species] = pp.projectorChannels.indices.map { c in
                (0..<pp.projectorChannels[c].count).map { i in pp.projectorFourier(channel: c, i: i, q: qNorm, scale: invSqrtOmega) }
            }
        }
        var phases = [Complex64](repeating: .zero, count: npw)
        var col = 0
        p.storage.withUnsafeMutableBufferPointer { ps in
            for atom in crystal.atoms {
                let pp = model.pseudopotentials[atom.species]!
                let tau = atom.position
                structureFactor(&phases, millers: kbasis.millers, k: k, tau: tau)
                for (c, ch) in pp.projectorChannels.enumerated() {
                    let l = ch.l
                    let il: Complex64 = [Complex64(1, 0), Complex64(0, -1), Complex64(-1, 0), Complex64(0, 1)][l % 4]
                    let first = col
                    for i in 0..<ch.count {
                        let f = radial[atom.species]![c][i]
                        for mIndex in 0..<(2 * l + 1) {
                            let y = ylm[l * l + mIndex]
                            let out = ps.baseAddress! + col * npw
                            for g in 0..<npw { out[g] = phases[g] * il * (f[g] * y[g]) }
                            col += 1
                        }
                    }
                    // D_{(i,m),(j,m)} = h_ij
                    let nm = 2 * l + 1
                    for i in 0..<ch.count { for j in 0..<ch.count { for mIndex in 0..<nm {
                        d[first + i * nm + mIndex, first + j * nm + mIndex] = Complex64(ch.h[i][j], 0)
                    } } }
                }
            }
        }
        projectors = p
        coupling = d
    }

    /// Y ← Y + P D Pᴴ X.
    public func apply(_ x: ComplexMatrix, addingTo y: inout ComplexMatrix) {
        if count == 0 { return }
        let c = multiply(.adjoint, projectors, .none, x)
        let dc = multiply(.none, coupling, .none, c)
        gemm(.none, projectors, .none, dc, beta: .one, into: &y)
    }

    /// ⟨x_n|V_NL|x_n⟩ for every column n.
    public func expectation(_ x: ComplexMatrix) -> [Double] {
        if count == 0 { return [Double](repeating: 0, count: x.cols) }
        let c = multiply(.adjoint, projectors, .none, x)
        let dc = multiply(.none, coupling, .none, c)
        return (0..<x.cols).map { n in
            var s = 0.0
            for a in 0..<c.rows { s += (c[a, n].conjugate * dc[a, n]).real }
            return s
        }
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
    ///   F_a,α = −Σ_k w_k Σ_n f_nk 2 Re[(P_aᴴ (i(k+G)_α ψ_nk))ᴴ (D Pᴴψ_nk)_a]
    /// (D is block-diagonal by atom). Sums over the k-points of `state.orbitals` and the bands of
    /// `state.ownsBand`.
    public func forces(_ state: ForceState) -> [SIMD3<Double>] {
        let atoms = model.crystal.atoms
        var forces = [SIMD3<Double>](repeating: .zero, count: atoms.count)
        // the atom of each projector column, in `NonlocalProjectors`' order
        let owner = atoms.indices.flatMap { a in
            [Int](repeating: a, count: model.pseudopotentials[atoms[a].species]!.projectorCount)
        }
        forEachOccupiedProjection(state) { kb, x, bands, weights, p, _, dc in
            for alpha in 0..<3 {
                // Pᴴ(i q_α ψ) = i Pᴴ(q_α ψ), and Re[(i c)* d] = Im[c* d]
                let c = multiply(.adjoint, p.projectors, .none, momentumScaled(x, kb, alpha))
                for (n, f) in zip(bands, weights) {
                    for j in owner.indices {
                        forces[owner[j]][alpha] -= 2 * f * (c[j, n].conjugate * dc[j, n]).imaginary
                    }
                }
            }
        }
        return forces
    }

    /// Calls `body(kbasis, ψ, bands, w_k f_nk of those bands, projectors, c = Pᴴψ, D c)` for each
    /// k-point of `state.orbitals` (ascending) with occupied bands of `state.ownsBand` and projectors:
    /// the set-up shared by the forces and the strain derivative.
    func forEachOccupiedProjection(_ state: ForceState,
                                   _ body: (KBasis, ComplexMatrix, [Int], [Double], NonlocalProjectors, ComplexMatrix, ComplexMatrix) -> Void) {
        for k in state.orbitals.keys.sorted() {
            let x = state.orbitals[k]!
            let kb = state.kpoints[k]
            let occupations = state.occupations[k]
            let bands = (0..<min(x.cols, occupations.count)).filter { state.ownsBand($0) && occupations[$0] != 0 }
            if bands.isEmpty { continue }
            let p = projectors(at: kb)
            if p.count == 0 { continue }
            let c = multiply(.adjoint, p.projectors, .none, x)
            let dc = multiply(.none, p.coupling, .none, c)
            body(kb, x, bands, bands.map { kb.kpoint.weight * occupations[$0] }, p, c, dc)
        }
    }

    /// (k+G)_α ψ_G for every column of ψ.
    func momentumScaled(_ x: ComplexMatrix, _ kb: KBasis, _ alpha: Int) -> ComplexMatrix {
        var y = x
        let npw = x.rows
        let q = kb.kPlusG.map { $0[alpha] }   // computed from the Miller indices: taken once
        y.storage.withUnsafeMutableBufferPointer { ys in
            for n in 0..<x.cols { for g in 0..<npw { ys[n * npw + g] = ys[n * npw + g] * q[g] } }
        }
        return y
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
    /// ∂P/∂q_β for β = x, y, z: the projectors with p^l_i(|q|) Y_lm(q̂) replaced by its derivative in
    /// (k+G)_β, p′(|q|) Y_lm(q̂) q_β/|q| + p(|q|) ∂Y_lm/∂q_β, the structure factor and Ω^{−½}
    /// unchanged; columns in the order of `init`.
    static func derivatives(kbasis: KBasis, model: Model) -> [ComplexMatrix] {
        let crystal = model.crystal
        let nproj = crystal.atoms.reduce(0) { $0 + model.pseudopotentials[$1.species]!.projectorCount }
        let npw = kbasis.count
        var p = [ComplexMatrix](repeating: ComplexMatrix(rows: npw, cols: nproj), count: 3)
        guard nproj > 0 else { return p }
        let k = kbasis.kpoint.reduced
        let invSqrtOmega = 1 / crystal.lattice.volume.squareRoot()
        let q = kbasis.kPlusG
        let qNorm = q.map { norm($0) }
        let unit = q.indices.map { qNorm[$0] > 0 ? q[$0] / qNorm[$0] : .zero }
        let lmax = model.pseudopotentials.values.flatMap { $0.projectorChannels.map(\.l) }.max() ?? 0
        let ylm = realSphericalHarmonics(lmax: lmax, q)
        var dylm: [[SIMD3<Double>]] = []
        for l in 0...lmax { for m in 0..<(2 * l + 1) { dylm.append(q.map { realSphericalHarmonicGradient(l: l, m: m, $0) }) } }
        // radial parts and their derivatives by species, channel and i, times Ω^{−½}
        var radial: [String: [[([Double], [Double])]]] = [:]
        for (species, pp) in model.pseudopotentials where crystal.atoms.contains(where: { $0.species == species }) {
            radial[species] = pp.projectorChannels.indices.map { c in
                (0..<pp.projectorChannels[c].count).map { i in
                    (pp.projectorFourier(channel: c, i: i, q: qNorm, scale: invSqrtOmega),
                     pp.projectorFourierDerivative(channel: c, i: i, q: qNorm, scale: invSqrtOmega))
                }
            }
        }
        var col = 0
        var phases = [Complex64](repeating: .zero, count: npw)
        for atom in crystal.atoms {
            let pp = model.pseudopotentials[atom.species]!
            let tau = atom.position
            structureFactor(&phases, millers: kbasis.millers, k: k, tau: tau)
            for (c, ch) in pp.projectorChannels.enumerated() {
                let l = ch.l
                let il: Complex64 = [Complex64(1, 0), Complex64(0, -1), Complex64(-1, 0), Complex64(0, 1)][l % 4]
                for i in 0..<ch.count {
                    let (f, df) = radial[atom.species]![c][i]
                    for mIndex in 0..<(2 * l + 1) {
                        let y = ylm[l * l + mIndex], dy = dylm[l * l + mIndex]
                        for beta in 0..<3 {
                            p[beta].storage.withUnsafeMutableBufferPointer { ps in
                                let out = ps.baseAddress! + col * npw
                                for g in 0..<npw {
                                    out[g] = phases[g] * il * (df[g] * y[g] * unit[g][beta] + f[g] * dy[g][beta])
                                }
                            }
                        }
                        col += 1
                    }
                }
            }
        }
        return p
    }
}

extension NonlocalPseudopotential: StressTerm {
    /// This process' part of ∂E_NL/∂ε_αβ. P ∝ Ω^{−½} gives −δ_αβ E_NL; the structure factors
    /// e^{−i(k+G)·τ_a} are invariant, and q = k+G strains as ∂q_γ/∂ε_αβ = −δ_γβ q_α, so
    /// ∂P/∂ε_αβ = −q_α ∂P/∂q_β (`NonlocalProjectors.derivatives`) and
    ///   ∂E_NL/∂ε_αβ = −δ_αβ E_NL − Σ_k w_k Σ_n f_nk 2 Re[((∂_β P)ᴴ (q_α ψ_nk))ᴴ D Pᴴψ_nk],
    /// symmetrised in αβ. Sums over the k-points of `state.orbitals` and the bands of `state.ownsBand`.
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] {
        var t = Tensor3.zero
        var energy = 0.0
        forEachOccupiedProjection(state) { kb, x, bands, weights, _, c, dc in
            for (n, f) in zip(bands, weights) {
                var s = 0.0
                for j in 0..<c.rows { s += (c[j, n].conjugate * dc[j, n]).real }
                energy += f * s
            }
            let qx = (0..<3).map { momentumScaled(x, kb, $0) }
            let derivatives = NonlocalProjectors.derivatives(kbasis: kb, model: model)
            for beta in 0..<3 {
                let dp = derivatives[beta]
                for alpha in 0..<3 {
                    let m = multiply(.adjoint, dp, .none, qx[alpha])
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

/// The structure factor e^{−i(k+G)·τ} of an atom at reduced position τ for the plane waves with
/// Miller indices `millers` at reduced k, into `phases`.
func structureFactor(_ phases: inout [Complex64], millers: [SIMD3<Int32>], k: SIMD3<Double>, tau: SIMD3<Double>) {
    for (g, m) in millers.enumerated() {
        let x = 2 * Double.pi * ((Double(m.x) + k.x) * tau.x + (Double(m.y) + k.y) * tau.y + (Double(m.z) + k.z) * tau.z)
        phases[g] = Complex64(cos(x), -sin(x))
    }
}
