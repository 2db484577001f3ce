import Foundation

/// The density-level tasks that follow ρ_out when several processes share a step: the next potential
/// on the least loaded process (by `KPointDistribution.processLoads`), with whatever preparation it
/// needs (`next`), and the density energies at ρ_out on the next least loaded, at the same time,
/// handed to every process by one sum.
struct PotentialAndEnergies {
    let terms: KohnShamTerms
    let distribution: KPointDistribution
    let potentialProcess: Int, energyProcess: Int

    init(terms: KohnShamTerms, distribution: KPointDistribution) {
        self.terms = terms; self.distribution = distribution
        let loads = distribution.processLoads
        let byLoad = loads.indices.sorted { (loads[$0], $0) < (loads[$1], $1) }
        potentialProcess = byLoad[0]
        energyProcess = byLoad[min(1, distribution.process.count - 1)]
    }

    /// Collective. `next`, run on the potential process only, gives the next input density and `count`
    /// values for everybody (e.g. the residual); returns the energies at ρ_out, those values, V of the
    /// next density (`points` values) and the seconds of the sum.
    func compute(rhoOut: [Double], points n: Int, values count: Int, next: () throws -> (density: [Double], values: [Double]))
        throws -> (energies: [Double], values: [Double], potential: [Double], summing: Double) {
        let m = terms.densityTerms.count
        var shared = [Double](repeating: 0, count: m + count + n)
        if distribution.process.rank == energyProcess {
            let e = try terms.densityEnergies(rhoOut)
            for i in 0..<m { shared[i] = e[i] }
        }
        if distribution.process.rank == potentialProcess {
            let (density, values) = try next()
            for i in 0..<count { shared[m + i] = values[i] }
            let v = try terms.potential(density)
            for i in 0..<n { shared[m + count + i] = v[i] }
        }
        let summing = Date()
        try distribution.sum(&shared)
        return (Array(shared[0..<m]), Array(shared[m..<(m + count)]), Array(shared[(m + count)...]), Date().timeIntervalSince(summing))
    }
}
