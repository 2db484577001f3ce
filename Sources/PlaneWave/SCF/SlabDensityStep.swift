import Foundation

/// Several processes with the density grid in slabs (`DensitySlabs`): each mixes its own points. It
/// holds its slab of ρ_in and of the accelerator's history, applies the preconditioner (diagonal in
/// G) by the distributed FFT, and completes the accelerator's inner products, the residual and the
/// charge by sums; the next ρ_in is gathered whole. As in `SharedDensityStep`, the least loaded
/// process then builds the next potential from it while the next least loaded evaluates the density
/// energies at ρ_out, and one sum hands both to everybody. The mixing's memory (its history, m − 1
/// pairs of single-precision grids) and work per process fall with the number of processes.
///
/// Contract as `DensityStepStrategy`; the result is `SharedDensityStep`'s up to the order of the sums
/// (one density channel; a preconditioner with a `fourierFactor`).
final class SlabDensityStep: DensityStepStrategy {
    let terms: KohnShamTerms
    let mixer: AndersonAcceleration
    let volume: Double
    /// Points of the density grid.
    let points: Int
    let distribution: KPointDistribution
    let slabs: DensitySlabs
    /// The preconditioner's P(|G|²) at this process' points.
    let factors: [Double]
    let potentialProcess: Int, energyProcess: Int
    /// The next potential, from the last `evaluate`.
    private var pending: [Double]? = nil

    init(terms: KohnShamTerms, mixer: AndersonAcceleration, factor: (Double) -> Double, grid: FourierGrid,
         distribution: KPointDistribution, slabs: DensitySlabs) {
        self.terms = terms; self.mixer = mixer; self.distribution = distribution; self.slabs = slabs
        volume = grid.basis.volume
        points = grid.count
        let mine = slabs.points
        var factors = [Double](repeating: 1, count: mine.count)
        grid.forEachPoint { i, _, g2 in if mine.contains(i) { factors[i - mine.lowerBound] = factor(g2) } }
        self.factors = factors
        let loads = distribution.processLoads
        let byLoad = loads.indices.sorted { (loads[$0], $0) < (loads[$1], $1) }
        potentialProcess = byLoad[0]
        energyProcess = byLoad[min(1, distribution.process.count - 1)]
    }

    func potential(_ rhoIn: [Double]) throws -> [Double] {
        if let v = pending { return v }
        return try terms.potential(rhoIn)
    }

    func evaluate(rhoIn: inout [Double], rhoOut: [Double]) throws -> (energies: [Double], residual: Double, summing: Double) {
        let mine = slabs.points
        let input = Array(rhoIn[mine])
        var f = (0..<mine.count).map { rhoOut[mine.lowerBound + $0] - input[$0] }
        var squares = 0.0
        for d in f { squares += d * d }
        try slabs.filter(&f, factors: factors)
        var next = try mixer.step(input: input, residual: f, sum: slabs.sum)
        // ‖ρ_out − ρ_in‖² and the charge ρ_out − ρ_next lacks (`conserveCharge`), over all points
        var charge = 0.0
        for i in next.indices { charge += rhoOut[mine.lowerBound + i] - next[i] }
        var totals = [squares, charge]
        try slabs.sum(&totals)
        let shift = totals[1] / Double(points)
        for i in next.indices { next[i] += shift }
        rhoIn = try slabs.gather(next)
        let rank = distribution.process.rank
        let m = terms.densityTerms.count, n = rhoIn.count
        var shared = [Double](repeating: 0, count: m + n)
        if rank == energyProcess {
            let e = try terms.densityEnergies(rhoOut)
            for i in 0..<m { shared[i] = e[i] }
        }
        if rank == potentialProcess {
            let v = try terms.potential(rhoIn)
            for i in 0..<n { shared[m + i] = v[i] }
        }
        let summing = Date()
        try distribution.sum(&shared)
        let seconds = Date().timeIntervalSince(summing)
        pending = Array(shared[m...])
        return (Array(shared[0..<m]), (totals[0] * volume / Double(points)).squareRoot(), seconds)
    }

    func advance(rhoIn: inout [Double], rhoOut: [Double]) {}

    func restart(rhoIn: inout [Double], from rho: [Double]) {
        rhoIn = rho
        mixer.reset()
        pending = nil
    }
}
