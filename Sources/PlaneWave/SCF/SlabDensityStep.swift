import Foundation

/// Several processes with the density grid in slabs (`DensitySlabs`, `GridSlab`): each does the
/// density-level work of a step at its own points. It holds its slab of ρ_in and of the
/// accelerator's history, applies the preconditioner (diagonal in G) by the distributed FFT, and
/// completes the accelerator's inner products, the residual and the charge by sums. The density terms
/// are evaluated on the slabs too (`KohnShamTerms.evaluatesOnSlabs`): the energies at ρ_out as slab
/// parts, completed in the same sum as the residual, and the next potential at each process' points,
/// gathered whole for the Hamiltonian. So the mixing's memory (its history, m − 1 pairs of
/// single-precision grids), the terms' grid-sized temporaries (transforms, libxc's inputs and outputs)
/// and their work per process fall with the number of processes. Where the terms are evaluated whole
/// (exchange–correlation on a finer grid) the next ρ_in is gathered, and the least loaded process
/// builds its potential while the next least loaded evaluates the energies (`PotentialAndEnergies`).
///
/// Contract as `DensityStepStrategy`; the result is `SharedDensityStep`'s up to the order of the sums
/// (one density channel; a preconditioner with a `fourierFactor`). With the terms on slabs ρ_in is
/// held only as this process' slab: the caller's whole ρ_in is not updated (nothing reads it but this
/// strategy, whose `restart` replaces it).
final class SlabDensityStep: DensityStepStrategy {
    let mixer: AndersonAcceleration
    let volume: Double
    /// Points of the density grid.
    let points: Int
    let slab: GridSlab
    /// The preconditioner's P(|G|²) at this process' points.
    let factors: [Double]
    let tasks: PotentialAndEnergies
    var terms: KohnShamTerms { tasks.terms }
    /// ρ_in at this process' points, from the last `evaluate` (nil: take it from the caller's ρ_in).
    private var input: [Double]? = nil
    /// The next potential, from the last `evaluate`.
    private var pending: [Double]? = nil
    /// The steps whose density terms were evaluated on the slabs.
    private(set) var slabSteps = 0

    init(terms: KohnShamTerms, mixer: AndersonAcceleration, factor: (Double) -> Double, grid: FourierGrid,
         distribution: KPointDistribution, slabs: DensitySlabs) {
        self.mixer = mixer
        slab = GridSlab(grid: grid, slabs: slabs)
        volume = grid.basis.volume
        points = grid.count
        var factors = [Double](repeating: 1, count: slabs.points.count)
        slab.forEachPoint { j, _, g2 in factors[j] = factor(g2) }
        self.factors = factors
        tasks = PotentialAndEnergies(terms: terms, distribution: distribution)
    }

    func potential(_ rhoIn: [Double]) throws -> [Double] {
        if let v = pending { return v }
        guard terms.evaluatesOnSlabs else { return try terms.potential(rhoIn) }
        return try slab.slabs.gather(terms.slabPotential(slab.slice(rhoIn), on: slab))
    }

    func evaluate(rhoIn: inout [Double], rhoOut: [Double]) throws -> (energies: [Double], residual: Double, summing: Double) {
        let slabs = slab.slabs
        let input = self.input ?? slab.slice(rhoIn)
        let output = slab.slice(rhoOut)
        var f = (0..<input.count).map { output[$0] - input[$0] }
        var squares = 0.0
        for d in f { squares += d * d }
        try slabs.filter(&f, factors: factors)
        var next = try mixer.step(input: input, residual: f, sum: slabs.sum)
        // ‖ρ_out − ρ_in‖² and the charge ρ_out − ρ_next lacks (`conserveCharge`), over all points, with
        // the energies' slab parts
        var charge = 0.0
        for i in next.indices { charge += output[i] - next[i] }
        let onSlabs = terms.evaluatesOnSlabs
        var totals = [squares, charge] + (onSlabs ? try terms.slabEnergies(output, on: slab) : [])
        var clock = Date()
        try slabs.sum(&totals)
        var summing = Date().timeIntervalSince(clock)
        let shift = totals[1] / Double(points)
        for i in next.indices { next[i] += shift }
        let residual = (totals[0] * volume / Double(points)).squareRoot()
        self.input = next
        guard onSlabs else {
            rhoIn = try slabs.gather(next)
            let whole = rhoIn
            let r = try tasks.compute(rhoOut: rhoOut, points: whole.count, values: 0) { (whole, []) }
            pending = r.potential
            return (r.energies, residual, summing + r.summing)
        }
        slabSteps += 1
        let v = try terms.slabPotential(next, on: slab)
        clock = Date()
        pending = try slabs.gather(v)
        summing += Date().timeIntervalSince(clock)
        return (Array(totals[2...]), residual, summing)
    }

    func advance(rhoIn: inout [Double], rhoOut: [Double]) {}

    func restart(rhoIn: inout [Double], from rho: [Double]) {
        rhoIn = rho
        mixer.reset()
        input = nil
        pending = nil
    }
}
