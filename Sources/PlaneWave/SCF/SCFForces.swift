import Bindings

extension SCF {
    /// The forces on the atoms at the state of `density` (symmetrised ρ_out) and `occupations`, with
    /// the current orbitals of this process' k-points and bands (`KohnShamTerms.forces`). Collective
    /// over the processes of the distribution, like `density(occupations:)`: the same sums on each.
    func forces(density: [Double], occupations: [[Double]]) throws -> [SIMD3<Double>] {
        let pool = distribution.pool
        let state = ForceState(density: density, orbitals: orbitals.filter { distribution.owns($0.key) },
                               occupations: occupations, kpoints: basis.kpoints,
                               ownsBand: { pool?.ownsBand($0) ?? true }, share: densityShare)
        return try terms.forces(state) { try distribution.sum(&$0) }
    }

    /// The split of the density-grid sums of forces and stress (the atom-centred terms) over every
    /// process of the calculation, completed by the distribution's sum.
    var densityShare: ProcessShare {
        let process = distribution.process
        return ProcessShare(index: process.rank, count: process.count) { [distribution] in try distribution.sum(&$0) }
    }
}
