import Foundation

/// Several processes with the density grid in slabs (`DensitySlabs`): each mixes its own points. It
/// holds its slab of ρ_in and of the accelerator's history, applies the preconditioner (diagonal in
/// G) by the distributed FFT, and completes the accelerator's inner products, the residual and the
/// charge by sums; the next ρ_in is gathered whole. As in `SharedDensityStep`, the least loaded
/// process then builds the next potential from it while the next least loaded evaluates the density
/// energies at ρ_out (`PotentialAndEnergies`). The mixing's memory (its history, m − 1
/// pairs of single-precision grids) and work per process fall with the number of processes.
///
/// Contract as `DensityStepStrategy`; the result is `SharedDensityStep`'s up to the order of the sums
/// (one density channel; a preconditioner with a `fourierFactor`).
final class SlabDensityStep: DensityStepStrategy {
    let mixer: AndersonAcceleration
    let volume: Double
    /// Points of the density grid.
    let points: Int
    let slabs: DensitySlabs
    /// The preconditioner's P(|G|²) at this process' points.
    let factors: [Double]
    let tasks: PotentialAndEnergies
    /// The next potential, from the last `evaluate`.
    private var pending: [Double]? = nil

    init(terms: KohnShamTerms, mixer: AndersonAcceleration, factor: (Double) -> Double, grid: FourierGrid,
         distribution: KPointDistribution, slabs: DensitySlabs) {
        self.mixer = mixer; self.slabs = slabs
        volume = grid.basis.volume
        points = grid.count
        let mine = slabs.points
        var factors = [Double](repeating: 1, count: mine.count)
        grid.forEachPoint { i, _, g2 in if mine.contains(i) { factors[i - mine.lowerBound] = factor(g2) } }
        self.factors = factors
        tasks = PotentialAndEnergies(terms: terms, distribution: distribution)
    }

    func potential(_ rhoIn: [Double]) throws -> [Double] {
        if let v = pending { return v }
        return try tasks.terms.potential(rhoIn)
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
        let whole = rhoIn
        let r = try tasks.compute(rhoOut: rhoOut, points: whole.count, values: 0) { (whole, []) }
        pending = r.potential
        return (r.energies, (totals[0] * volume / Double(points)).squareRoot(), r.summing)
    }

    func advance(rhoIn: inout [Double], rhoOut: [Double]) {}

    func restart(rhoIn: inout [Double], from rho: [Double]) {
        rhoIn = rho
        mixer.reset()
        pending = nil
    }
}
