import Bindings
import Numerics

/// Real wave functions at Γ (ABINIT's `istwfk 2`, Quantum ESPRESSO's Γ tricks). At k = 0 the
/// Kohn–Sham Hamiltonian is real: the local potential is real and the non-local projectors are
/// closed under complex conjugation, so H commutes with it and its eigenvectors can be chosen real
/// in real space, c(−G) = c(G)*. Such a vector is fixed by c(0), real, and one coefficient of each
/// ±G pair. Its packed form holds
///
///     a(0) = c(0) (imaginary part zero),   a(G) = √2 c(G) for the representative G of each pair,
///
/// so that the inner product of two real vectors is ⟨ψ|φ⟩ = Re Σ_G a*(G) b(G), the Euclidean one of
/// the 2 N_h − 1 real numbers. LOBPCG in its real mode (`LOBPCG.solve(realCoefficients:)`) works on
/// packed blocks with real combination coefficients: half the storage and half the dense work of
/// the full sphere. H is applied to two packed vectors at once: with φ = ψ_a + i ψ_b,
///
///     (H ψ_a)(G) = [(Hφ)(G) + (Hφ)(−G)*] / 2,   (H ψ_b)(G) = [(Hφ)(G) − (Hφ)(−G)*] / 2i,
///
/// so one FFT pair serves two bands. Contract: `pack ∘ unpack` is the identity on packed vectors
/// whose a(0) is real, `unpack ∘ pack` on real vectors; `apply` is H on packed blocks.
public struct RealCoefficientsAtGamma: Sendable {
    /// Packed rows: N_h = (N + 1) / 2.
    public let count: Int
    /// Full-sphere index of each packed row (row 0 is G = 0) and of its partner −G.
    let representative: [Int32]
    let partner: [Int32]
    /// ½|G|² of the packed rows (the preconditioner's).
    public let kinetic: [Double]
    /// Plane waves of the full sphere.
    let fullCount: Int

    /// The packing of a k-point's sphere, or nil when the k-point is not Γ or its sphere is not
    /// symmetric under G → −G.
    public init?(_ kb: KBasis) {
        guard kb.kpoint.reduced == .zero else { return nil }
        var index: [SIMD3<Int32>: Int32] = [:]
        index.reserveCapacity(kb.count)
        for (i, m) in kb.millers.enumerated() { index[m] = Int32(i) }
        guard let zero = index[.zero] else { return nil }
        var rep: [Int32] = [zero], par: [Int32] = [zero]
        for (i, m) in kb.millers.enumerated() where m != .zero {
            guard let j = index[SIMD3<Int32>.zero &- m] else { return nil }
            // the pair's representative: first non-zero Miller index positive
            let first = m.x != 0 ? m.x : (m.y != 0 ? m.y : m.z)
            if first > 0 { rep.append(Int32(i)); par.append(j) }
        }
        representative = rep; partner = par
        count = rep.count; fullCount = kb.count
        kinetic = rep.map { kb.kinetic[Int($0)] }
    }

    /// The packed form of the real part of each column, taken after the phase e^{−iθ} that makes
    /// it largest: θ = ½ arg Σ_G c(G) c(−G) (zero for a real vector, which is packed exactly).
    /// Complex eigenvectors of a real H carry an arbitrary phase; this recovers the real one.
    public func pack(_ x: ComplexMatrix) -> ComplexMatrix {
        precondition(x.rows == fullCount, "pack: a block of the full sphere")
        let s = 2.0.squareRoot()
        var a = ComplexMatrix(rows: count, cols: x.cols)
        for j in 0..<x.cols {
            var z = x[Int(representative[0]), j] * x[Int(representative[0]), j]
            for r in 1..<count { z = z + 2 * x[Int(representative[r]), j] * x[Int(partner[r]), j] }
            let phase = z.magnitude > 0 ? Complex64.exp(Complex64(0, -0.5 * z.phase)) : .one
            a[0, j] = Complex64((x[Int(representative[0]), j] * phase).real, 0)
            for r in 1..<count {
                let c = x[Int(representative[r]), j] * phase, cm = x[Int(partner[r]), j] * phase
                a[r, j] = (c + cm.conjugate) * (1 / s)
            }
        }
        return a
    }

    /// The full-sphere coefficients of packed vectors: c(0) = Re a(0), c(±G) = a(G)/√2, a(G)*/√2.
    public func unpack(_ a: ComplexMatrix) -> ComplexMatrix {
        precondition(a.rows == count, "unpack: a packed block")
        let s = 1 / 2.0.squareRoot()
        var x = ComplexMatrix(rows: fullCount, cols: a.cols)
        for j in 0..<a.cols {
            x[Int(representative[0]), j] = Complex64(a[0, j].real, 0)
            for r in 1..<count {
                x[Int(representative[r]), j] = a[r, j] * s
                x[Int(partner[r]), j] = a[r, j].conjugate * s
            }
        }
        return x
    }

    /// H applied to packed vectors, two at a time: `h` acts on full-sphere blocks.
    public func apply(_ h: (ComplexMatrix) -> ComplexMatrix, to a: ComplexMatrix) -> ComplexMatrix {
        precondition(a.rows == count, "apply: a packed block")
        let m = a.cols, pairs = (m + 1) / 2
        let s = 1 / 2.0.squareRoot(), i = Complex64(0, 1)
        // φ = ψ_a + i ψ_b for the columns (2p, 2p + 1)
        var phi = ComplexMatrix(rows: fullCount, cols: pairs)
        for p in 0..<pairs {
            let ja = 2 * p, jb = 2 * p + 1
            let b0 = jb < m ? a[0, jb].real : 0
            phi[Int(representative[0]), p] = Complex64(a[0, ja].real, b0)
            for r in 1..<count {
                let ar = a[r, ja], br = jb < m ? a[r, jb] : .zero
                phi[Int(representative[r]), p] = (ar + i * br) * s
                phi[Int(partner[r]), p] = (ar.conjugate + i * br.conjugate) * s
            }
        }
        let f = h(phi)
        var out = ComplexMatrix(rows: count, cols: m)
        for p in 0..<pairs {
            let ja = 2 * p, jb = 2 * p + 1
            let f0 = f[Int(representative[0]), p]
            out[0, ja] = Complex64(f0.real, 0)
            if jb < m { out[0, jb] = Complex64(f0.imaginary, 0) }
            for r in 1..<count {
                let fg = f[Int(representative[r]), p], fm = f[Int(partner[r]), p].conjugate
                // √2 (F(G) ± F(−G)*) / 2 and / 2i
                out[r, ja] = (fg + fm) * s
                if jb < m { out[r, jb] = Complex64((fg - fm).imaginary, -(fg - fm).real) * s }
            }
        }
        return out
    }
}
