import Foundation

/// The density-level work of an SCF step once ρ_out is known: the density terms' energies at ρ_out,
/// the residual ‖ρ_out − ρ_in‖ = (∫ |ρ_out − ρ_in|² d³r)^½, the next input density from the
/// accelerator (with the electron count of ρ_out, `conserveCharge`) and its potential V[ρ_in]. Every
/// process must end with the same energies, residual and potential; how the work is shared between
/// them is the strategy.
protocol DensityStepStrategy: AnyObject {
    /// The potential of the coming step's input density.
    func potential(_ rhoIn: [Double]) throws -> [Double]
    /// The energies of `KohnShamTerms.densityTerms` at ρ_out and the residual, with the seconds
    /// spent in sums over processes.
    func evaluate(rhoIn: inout [Double], rhoOut: [Double]) throws -> (energies: [Double], residual: Double, summing: Double)
    /// The SCF goes on: ρ_in becomes the next input density (on the processes that hold it).
    func advance(rhoIn: inout [Double], rhoOut: [Double])
    /// The energy terms have changed: the SCF goes on from ρ_in = `rhoIn`, given on every process,
    /// with no mixing history and no potential computed before.
    func restart(rhoIn: inout [Double], from rho: [Double])
}



/// The accelerator's next input density with the electron count of ρ_out: the total density's constant
/// (G = 0) part shifted so that ∫ ρ_next d³r = ∫ ρ_out d³r = N (spin-polarised, ρ of (ρ, m) only; m's
/// integral is mixed like its other components). In exact arithmetic the mixing keeps the charge
/// (ρ_in and ρ_out both hold N electrons, so every step has none), but the accelerator's history is
/// rounded to single precision (`AndersonAcceleration`), which leaves a charge error of ~10⁻⁷ of the
/// early steps in ρ_in; Kerker's P(G) → 0 as G → 0 (`KerkerPreconditioner`) never mixes it out, and
/// the residual ‖ρ_out − ρ_in‖ then stops at |δN|/Ω^½ however well the orbitals converge.
func conserveCharge(_ next: inout [Double], of rhoOut: [Double], points: Int) {
    var shift = 0.0
    for i in 0..<points { shift += rhoOut[i] - next[i] }
    shift /= Double(points)
    for i in 0..<points { next[i] += shift }
}

/// ‖ρ_out − ρ_in‖ on a grid of `points` points over the cell volume `volume`; spin-polarised the
/// norm of (ρ, m), (∫ |Δρ|² + |Δm|² d³r)^½.
func densityResidualNorm(_ rhoOut: [Double], _ rhoIn: [Double], volume: Double, points: Int) -> Double {
    var d2 = 0.0
    for i in 0..<rhoOut.count { let d = rhoOut[i] - rhoIn[i]; d2 += d * d }
    return (d2 * volume / Double(points)).squareRoot()
}

/// One process does everything in turn, and mixes only when the SCF goes on.
final class SerialDensityStep: DensityStepStrategy {
    let terms: KohnShamTerms
    let mixer: AndersonAcceleration
    let volume: Double
    /// Points of the density grid.
    let points: Int

    init(terms: KohnShamTerms, mixer: AndersonAcceleration, volume: Double, points: Int) {
        self.terms = terms; self.mixer = mixer; self.volume = volume; self.points = points
    }

    func potential(_ rhoIn: [Double]) throws -> [Double] { try terms.potential(rhoIn) }

    func evaluate(rhoIn: inout [Double], rhoOut: [Double]) throws -> (energies: [Double], residual: Double, summing: Double) {
        (try terms.densityEnergies(rhoOut), densityResidualNorm(rhoOut, rhoIn, volume: volume, points: points), 0)
    }

    func advance(rhoIn: inout [Double], rhoOut: [Double]) {
        rhoIn = mixer.next(input: rhoIn, output: rhoOut)
        conserveCharge(&rhoIn, of: rhoOut, points: points)
    }

    func restart(rhoIn: inout [Double], from rho: [Double]) {
        rhoIn = rho
        mixer.reset()
    }
}

/// Several processes split the grid work of a step (`PotentialAndEnergies`): the least loaded one
/// computes the residual, mixes and builds the next potential (used only if the SCF goes on), the
/// next least loaded one evaluates the density energies at the same time. The accelerator's history
/// and the mixed density live on the mixing process only; the others keep their first ρ_in, which
/// nothing reads again.
final class SharedDensityStep: DensityStepStrategy {
    let mixer: AndersonAcceleration
    let volume: Double
    /// Points of the density grid.
    let points: Int
    let tasks: PotentialAndEnergies
    /// The next potential, from the last `evaluate`.
    private var pending: [Double]? = nil

    init(terms: KohnShamTerms, mixer: AndersonAcceleration, volume: Double, points: Int, distribution: KPointDistribution) {
        self.mixer = mixer; self.volume = volume; self.points = points
        tasks = PotentialAndEnergies(terms: terms, distribution: distribution)
    }

    func potential(_ rhoIn: [Double]) throws -> [Double] {
        if let v = pending { return v }
        return try tasks.terms.potential(rhoIn)
    }

    func evaluate(rhoIn: inout [Double], rhoOut: [Double]) throws -> (energies: [Double], residual: Double, summing: Double) {
        let r = try tasks.compute(rhoOut: rhoOut, points: rhoOut.count, values: 1) { [self] in
            let residual = densityResidualNorm(rhoOut, rhoIn, volume: volume, points: points)
            rhoIn = mixer.next(input: rhoIn, output: rhoOut)
            conserveCharge(&rhoIn, of: rhoOut, points: points)
            return (rhoIn, [residual])
        }
        pending = r.potential
        return (r.energies, r.values[0], r.summing)
    }

    func advance(rhoIn: inout [Double], rhoOut: [Double]) {}

    func restart(rhoIn: inout [Double], from rho: [Double]) {
        rhoIn = rho
        mixer.reset()
        pending = nil
    }
}
