import Bindings

extension SCF {
    /// The stress at the state of `density` (symmetrised ρ_out) and `occupations`, with the current
    /// orbitals of this process' k-points and bands (`KohnShamTerms.stress`). Collective over the
    /// processes of the distribution, like `forces(density:occupations:)`: the same sums on each.
    func stress(density: [Double], occupations: [[Double]]) throws -> [SIMD3<Double>] {
        let pool = distribution.pool
        let state = ForceState(density: density, orbitals: orbitals.filter { distribution.owns($0.key) },
                               occupations: occupations, kpoints: basis.kpoints,
                               ownsBand: { pool?.ownsBand($0) ?? true }, share: densityShare)
        return try terms.stress(state) { try distribution.sum(&$0) }
    }
}
