/// How fine the exchange–correlation grid must be. E_xc = ∫ ρ ε_xc(ρ + ρ_c) is not band-limited
/// (ε_xc is non-linear, and the model core charge ρ_c has components beyond the density sphere), so
/// on the smallest grid holding the density sphere it is not converged for hard potentials (the
/// README's configuration section gives the bcc Fe GTH q16 figures), while the kinetic, Hartree and
/// pseudopotential terms are exact there. The density grid stays; only E_xc and V_xc move to a finer grid
/// (`ExchangeCorrelation`), so refinement costs exchange–correlation evaluations, not FFTs of orbitals.
///
/// Contract: once early in the SCF (the first step whose density residual is below `earlyResidual`,
/// when starting again from the output density costs few steps, because the SCF has most of its
/// way still to go) and whenever it has converged, `refined` evaluates
/// E_xc of the output density on ever finer grids (each axis ≥ 1.25 × the previous one,
/// FFT-friendly, `maximumFactor` × the density grid at most) while each moves it by more than
/// `tolerance` × atoms, and returns the term on the last grid reached that way; the SCF goes on from
/// the output density with it. When the first finer grid moves E_xc by less, the current grid is
/// kept. All grids in one check: a hard potential that needs several refinements then restarts the
/// SCF once, not once per refinement. The test is the
/// one a user makes by refining the grid, applied to E_xc, the only term that depends on it.
/// Every process evaluates the same density, so they all take the same decision.
final class XCGridRefinement {
    /// Ha per atom.
    let tolerance: Double

    init(tolerance: Double) { self.tolerance = tolerance }
    /// The XC grid is at most this many times the density grid per axis.
    let maximumFactor = 3.0
    /// The density residual (electrons) below which the grid is checked once before convergence.
    static let earlyResidual = 1e-2

    /// The next XC grid size after `size`: ⌈1.25 nᵢ⌉ rounded up to sizes with prime factors 2, 3, 5.
    static func next(_ size: [Int]) -> [Int] {
        size.map { n in
            var m = (5 * n + 3) / 4
            while !PlaneWaveBasis.isGood(m) { m += 1 }
            return m
        }
    }

    /// The term on a finer grid when E_xc[ρ] is not converged on the current one, else nil: the
    /// coarsest grid of the sequence current, next(current), … from which the next one moves E_xc by
    /// no more than the tolerance (or the last one within `maximumFactor`). One check goes as far as
    /// the repeated single steps would, each of which would cost the SCF a restart.
    func refined(terms: KohnShamTerms, density rho: [Double], atoms: Int) throws -> ExchangeCorrelation? {
        let densityGrid = terms.exchangeCorrelation.grid.size
        var size = terms.exchangeCorrelation.xcGrid.size
        var energy = try terms.exchangeCorrelation.energy(rho)
        var chosen: ExchangeCorrelation? = nil
        while true {
            size = Self.next(size)
            guard (0..<3).allSatisfy({ Double(size[$0]) <= maximumFactor * Double(densityGrid[$0]) }) else { break }
            // built for each check, not kept between them: the term holds several fields of the finer grid
            // through the SCF steps between the early check and convergence
            let finer = try terms.exchangeCorrelation(on: size)
            let finerEnergy = try finer.energy(rho)
            guard abs(finerEnergy - energy) > tolerance * Double(atoms) else { break }
            chosen = finer
            energy = finerEnergy
        }
        return chosen
    }
}
