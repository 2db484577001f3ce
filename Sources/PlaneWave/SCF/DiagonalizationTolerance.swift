/// The eigensolver's residual tolerance at each SCF step (the adaptive diagonalisation tolerance
/// of DFTK's `AdaptiveDiagtol`): orbitals need only be as accurate as the density they make.
///
/// At the first step `firstGuessed` for a guessed density (rough orbitals suffice), `firstSupplied`
/// for a supplied one (already close to self-consistent: a loose first diagonalisation would spoil
/// it); afterwards `ratio` × ‖ρ_out − ρ_in‖/N_atoms of the previous step (the residual per atom)
/// clamped to [`minimum`, `maximum`], so that the orbital errors δψ ≈ r/Δε stay below the density's
/// own error. The residual is an L2 norm over the cell, extensive like the cell, while r is the
/// residual of one normalised orbital: a tolerance proportional to the residual itself lets every
/// orbital of a large cell stay where it was (the eigensolver returns after its Rayleigh–Ritz step)
/// while ρ_in moves, and ρ_out then stops following ρ_in (the SCF stalls with a residual far above
/// its tolerance). Per atom rather than per electron: semicore shells (Ga and As 3d) add electrons
/// but almost nothing to the residual. `ratio` trades operator applications per step against SCF
/// steps (see README Performance); per atom it is 0.2, the former 0.1 × ‖ρ_out − ρ_in‖ for two
/// atoms (and 0.8 per electron for Si, four electrons an atom). Bands whose previous
/// occupation (per spin orbital) is below `emptyOccupation` carry no electrons and are converged to
/// `emptyTolerance` at most, except the lowest of them (the conduction-band minimum of a gap, kept
/// at the step's tolerance). A Ritz value's error is about r²/δ for residual r and distance δ to
/// the rest of the spectrum, so those bands' eigenvalues stay within about 1e-5 Ha, far from
/// changing an occupation below 1e-10 (more than 20 smearing widths above the Fermi level); the
/// highest band of the block, often nearly degenerate with the first one left out, then no longer
/// holds LOBPCG at the step's tolerance (DFTK likewise converges only the occupied bands and
/// a few above).
public struct DiagonalizationTolerance: Sendable, Equatable {
    public var firstGuessed = 1e-2
    public var firstSupplied = 1e-5
    public var ratio = 0.2
    public var minimum = 1e-9
    public var maximum = 1e-2
    public var emptyOccupation = 1e-10
    public var emptyTolerance = 1e-3
    /// The eigensolver's iteration limit at the first step and at the later ones.
    public var firstMaxIterations = 60
    public var laterMaxIterations = 30

    public init() {}

    /// The tolerance of step `iteration` (from 1) after a step with density residual `residual`
    /// (L2, electrons) of a cell of `atoms` atoms.
    public func tolerance(iteration: Int, residual: Double, atoms: Int, suppliedDensity: Bool) -> Double {
        if iteration == 1 { return suppliedDensity ? firstSupplied : firstGuessed }
        return min(maximum, max(minimum, ratio * residual / Double(max(atoms, 1))))
    }

    public func maxIterations(iteration: Int) -> Int { iteration == 1 ? firstMaxIterations : laterMaxIterations }

    /// The tolerance of each of `bands` bands of one k-point, given their previous occupations (0…2) if any.
    public func bandTolerances(_ tolerance: Double, bands: Int, previousOccupations occ: [Double]?) -> [Double] {
        let lowestEmpty = occ.flatMap { o in o.indices.first { o[$0] / 2 < emptyOccupation } }
        return (0..<bands).map { n in
            guard let occ, n < occ.count, n != lowestEmpty else { return tolerance }
            return occ[n] / 2 < emptyOccupation ? max(tolerance, emptyTolerance) : tolerance
        }
    }
}
