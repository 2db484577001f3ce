/// GMRES for a real linear system A x = b with A given by its action (Y. Saad & M. H. Schultz,
/// SIAM J. Sci. Stat. Comput. 7, 856 (1986)): x_k minimises ‖b − A x‖₂ over the Krylov space
/// K_k = span{b, Ab, …, A^{k−1}b} (x₀ = 0). The Arnoldi basis is orthonormalised by modified
/// Gram–Schmidt, and the small least-squares problem is kept triangular by Givens rotations, whose
/// last right-hand-side entry is the residual norm ‖b − A x_k‖ without forming it. No restarts:
/// meant for well-conditioned operators that a few iterations solve (the model dielectric operator
/// of `InhomogeneousDielectricPreconditioner`), storing one vector per iteration.
///
/// Contract: stops when ‖b − A x_k‖ ≤ `relativeTolerance` × ‖b‖ or after `maxIterations`;
/// `converged` says which. b = 0 gives x = 0 in zero iterations.
public struct GMRES {
    public let relativeTolerance: Double
    public let maxIterations: Int

    public init(relativeTolerance: Double, maxIterations: Int) {
        self.relativeTolerance = relativeTolerance; self.maxIterations = maxIterations
    }

    public struct Solution {
        public var x: [Double]
        public var iterations: Int
        /// ‖b − A x‖ / ‖b‖ (0 for b = 0).
        public var relativeResidual: Double
        public var converged: Bool
    }

    public func solve(_ b: [Double], _ apply: ([Double]) -> [Double]) -> Solution {
        let n = b.count
        let beta = norm(b)
        guard beta > 0 else { return Solution(x: [Double](repeating: 0, count: n), iterations: 0, relativeResidual: 0, converged: true) }
        var basis: [[Double]] = [b.map { $0 / beta }]
        // the Hessenberg matrix's columns after the rotations (upper triangular), the rotations and g = Qᵀ β e₁
        var r: [[Double]] = []
        var cs: [Double] = [], sn: [Double] = []
        var g: [Double] = [beta]
        var k = 0
        var residual = beta
        while k < maxIterations && residual > relativeTolerance * beta {
            var w = apply(basis[k])
            let scale = norm(w)
            var h = [Double](repeating: 0, count: k + 2)
            for j in 0...k {
                h[j] = dot(w, basis[j])
                let v = basis[j], c = h[j]
                for i in 0..<n { w[i] -= c * v[i] }
            }
            h[k + 1] = norm(w)
            for j in 0..<k {
                let t = cs[j] * h[j] + sn[j] * h[j + 1]
                h[j + 1] = -sn[j] * h[j] + cs[j] * h[j + 1]
                h[j] = t
            }
            let d = (h[k] * h[k] + h[k + 1] * h[k + 1]).squareRoot()
            let c = d > 0 ? h[k] / d : 1, s = d > 0 ? h[k + 1] / d : 0
            cs.append(c); sn.append(s)
            let subdiagonal = h[k + 1]
            h[k] = d; h.removeLast()
            r.append(h)
            g.append(-s * g[k]); g[k] = c * g[k]
            residual = abs(g[k + 1])
            k += 1
            // an exact (happy) breakdown: the Krylov space is invariant and x_k is the solution
            if subdiagonal <= 1e-14 * scale { break }
            basis.append(w.map { $0 / subdiagonal })
        }
        // back substitution R y = g, x = V y
        var y = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = g[i]
            for j in (i + 1)..<max(i + 1, k) { s -= r[j][i] * y[j] }
            y[i] = r[i][i] != 0 ? s / r[i][i] : 0
        }
        var x = [Double](repeating: 0, count: n)
        for j in 0..<k { let v = basis[j], c = y[j]; for i in 0..<n { x[i] += c * v[i] } }
        return Solution(x: x, iterations: k, relativeResidual: residual / beta, converged: residual <= relativeTolerance * beta)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
}
