import Bindings
import Numerics

/// Anderson acceleration of the preconditioned fixed-point iteration ρ ← ρ + β P(F(ρ) − ρ)
/// (D. G. Anderson, J. ACM 12, 547 (1965); Pulay's DIIS, Chem. Phys. Lett. 73, 393 (1980)).
///
/// With f = P(ρ_out − ρ_in) (`MixingPreconditioner`) and the last m steps in the history:
/// γ = argmin ‖f_m − Σᵢ γᵢ (f_m − fᵢ)‖, ρ̄ = ρ_m − Σ γᵢ(ρ_m − ρᵢ), f̄ likewise, and
/// ρ_next = ρ̄ + β f̄. With one step in the history this is simple mixing ρ_in + β f.
///
/// Stored as the differences of successive steps, Δρ_j = ρ_{j+1} − ρ_j and Δf_j = f_{j+1} − f_j
/// (Eyert, J. Comput. Phys. 124, 271 (1996)), which span the same space as the ρ_m − ρᵢ, fᵢ: the
/// minimiser is γ' = argmin ‖f_m − Σⱼ γ'ⱼ Δf_j‖, ρ̄ = ρ_m − Σ γ'ⱼ Δρ_j. The differences are kept in
/// single precision: their rounding is relative to the step, not to ρ, so it perturbs ρ_next by
/// ~10⁻⁷ of the steps (the fixed point is unchanged), and the history takes half the memory; the
/// current ρ_m and f_m, from which the next differences are taken, stay in double precision.
public final class AndersonAcceleration {
    /// β.
    public let damping: Double
    /// The number of steps kept, m.
    public let history: Int
    public let preconditioner: MixingPreconditioner
    /// ρ_m and f_m of the last step.
    var lastInput: [Double]? = nil
    var lastResidual: [Double] = []
    /// Δρ_j and Δf_j, oldest first (at most m − 1).
    var inputSteps: [[Float]] = []
    var residualSteps: [[Float]] = []

    public init(damping: Double, history: Int, preconditioner: MixingPreconditioner) {
        self.damping = damping; self.history = history; self.preconditioner = preconditioner
    }

    /// Forgets the history (the fixed-point map has changed, e.g. on a finer XC grid).
    public func reset() { lastInput = nil; lastResidual = []; inputSteps.removeAll(); residualSteps.removeAll() }

    /// The next input density from this step's input and output.
    public func next(input: [Double], output: [Double]) -> [Double] {
        var f = (0..<input.count).map { output[$0] - input[$0] }
        preconditioner.precondition(&f, density: input)
        return step(input: input, residual: f, sum: { _ in })
    }

    /// The next input density from ρ_in and its preconditioned residual f = P(ρ_out − ρ_in), given on
    /// some of the grid's points: `sum` completes the inner products over the processes that hold the
    /// others (collective, once per call from the second step on), so each keeps the history of its
    /// own points only; for the whole grid, `sum` does nothing.
    public func step(input: [Double], residual f: [Double], sum: (inout [Double]) throws -> Void) rethrows -> [Double] {
        let n = input.count
        if let previous = lastInput, history > 1 {
            let previousF = lastResidual
            inputSteps.append((0..<n).map { Float(input[$0] - previous[$0]) })
            residualSteps.append((0..<n).map { Float(f[$0] - previousF[$0]) })
            if inputSteps.count > history - 1 { inputSteps.removeFirst(); residualSteps.removeFirst() }
        }
        lastInput = history > 1 ? input : nil
        lastResidual = history > 1 ? f : []
        var xbar = input, fbar = f
        let m = inputSteps.count
        if m > 0 {
            // normal equations (ΔFᵀΔF) γ = ΔFᵀ f_m: the upper triangle of ΔFᵀΔF, then ΔFᵀ f_m
            var products = [Double](repeating: 0, count: m * (m + 1) / 2 + m)
            var at = 0
            for i in 0..<m {
                let di = residualSteps[i]
                for j in i..<m {
                    let dj = residualSteps[j]
                    var s = 0.0
                    for r in 0..<n { s += Double(di[r]) * Double(dj[r]) }
                    products[at] = s; at += 1
                }
            }
            for i in 0..<m {
                let di = residualSteps[i]
                var s = 0.0; for r in 0..<n { s += Double(di[r]) * f[r] }
                products[at + i] = s
            }
            try sum(&products)
            var a = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
            at = 0
            for i in 0..<m { for j in i..<m { a[i][j] = products[at]; a[j][i] = products[at]; at += 1 } }
            let b = Array(products[at...])
            let trace = (0..<m).reduce(0.0) { $0 + a[$1][$1] }
            for i in 0..<m { a[i][i] += 1e-12 * trace + 1e-300 }
            if let gamma = solveSymmetric(a, b) {
                for i in 0..<m {
                    let g = gamma[i], dx = inputSteps[i], df = residualSteps[i]
                    for r in 0..<n {
                        xbar[r] -= g * Double(dx[r])
                        fbar[r] -= g * Double(df[r])
                    }
                }
            }
        }
        return (0..<n).map { xbar[$0] + damping * fbar[$0] }
    }
}

/// Solves a small dense system by Gaussian elimination with partial pivoting (nil if singular).
func solveSymmetric(_ a0: [[Double]], _ b0: [Double]) -> [Double]? {
    var a = a0, b = b0
    let n = b.count
    for c in 0..<n {
        guard let p = (c..<n).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[p][c]) > 0 else { return nil }
        a.swapAt(c, p); b.swapAt(c, p)
        for r in (c + 1)..<max(c + 1, n) {
            let f = a[r][c] / a[c][c]
            for k in c..<n { a[r][k] -= f * a[c][k] }
            b[r] -= f * b[c]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = b[r]
        for k in (r + 1)..<max(r + 1, n) { s -= a[r][k] * x[k] }
        x[r] = s / a[r][r]
    }
    return x.allSatisfy(\.isFinite) ? x : nil
}
