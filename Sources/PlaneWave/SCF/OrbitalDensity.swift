import Bindings
import Foundation

extension SCF {
    /// ρ(r) = Σ_k w_k Σ_n f_nk |ψ_nk(r)|² (before symmetrisation), with Σ_k w_k Σ_n f_nk ⟨ψ_nk|O_t|ψ_nk⟩
    /// of every orbital term t (by name) over the same orbitals; all summed over processes. The
    /// non-local expectations are those the eigensolver computed with its projectors.
    /// Spin-polarised, each k-point's orbitals add to their channel's ρ_σ, and the result is (ρ, m)
    /// = (ρ↑ + ρ↓, ρ↑ − ρ↓).
    func density(occupations: [[Double]]) throws -> ([Double], [String: Double]) {
        let n = grid.count
        let channels = basis.spinChannels
        let orbitalTerms = terms.orbitalTerms
        let nt = orbitalTerms.count
        var rho = [Double](repeating: 0, count: channels * n + nt)
        let pool = distribution.pool
        let start = Date()
        for (k, kb) in basis.kpoints.enumerated() where distribution.owns(k) {
            let x = orbitals[k]!
            let w = kb.kpoint.weight
            let expectations = orbitalTerms.map { t in
                t is NonlocalPseudopotential ? nonlocalEnergies[k]! : t.bandExpectations(x, kbasis: kb)
            }
            let layout = eigensolver.layout(k)
            let npw = kb.count
            let offset = kb.spin * n
            rho.withUnsafeMutableBufferPointer { all in
                let r = UnsafeMutableBufferPointer(rebasing: all[offset...])
                x.storage.withUnsafeBufferPointer { xs in
                    for b in 0..<bands where pool?.ownsBand(b) ?? true {
                        let f = occupations[k][b]
                        for t in 0..<nt { all[channels * n + t] += w * f * expectations[t][b] }
                        if f < 1e-14 { continue }
                        eigensolver.transform.accumulateDensity(UnsafeBufferPointer(rebasing: xs[(b * npw)..<((b + 1) * npw)]),
                                                                layout: layout, weight: w * f / basis.volume, into: r)
                    }
                }
            }
        }
        let summing = Date()
        kPointClock += summing.timeIntervalSince(start)
        try distribution.sum(&rho)
        reductionClock += Date().timeIntervalSince(summing)
        var sums: [String: Double] = [:]
        for (t, term) in orbitalTerms.enumerated() { sums[term.name] = rho[channels * n + t] }
        rho.removeLast(nt)
        if channels == 2 {
            for i in 0..<n { let up = rho[i], down = rho[n + i]; rho[i] = up + down; rho[n + i] = up - down }
        }
        return (rho, sums)
    }
}
