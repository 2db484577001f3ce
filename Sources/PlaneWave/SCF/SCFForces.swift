import Bindings

extension SCF {
    /// The forces on the atoms at the state of `density` (symmetrised ρ_out) and `occupations`, with
    /// the current orbitals of this process' k-points and bands (`KohnShamTerms.forces`). Collective
    /// over the processes of the distribution, like `density(occupations:)`: the same sums on each.
    /// `slab`: this process' slab of the density grid when the SCF evaluated the density terms there.
    func forces(density: [Double], occupations: [[Double]], slab: GridSlab?) throws -> [SIMD3<Double>] {
        try terms.forces(forceState(density: density, occupations: occupations, slab: slab)) { try distribution.sum(&$0) }
    }

    /// The state forces and stress are evaluated on: this process' orbitals and bands, the density-grid
    /// sums split over every process (`densityShare`), and the slab if any.
    func forceState(density: [Double], occupations: [[Double]], slab: GridSlab?) -> ForceState {
        let pool = distribution.pool
        var state = ForceState(density: density, orbitals: orbitals.filter { distribution.owns($0.key) },
                               occupations: occupations, kpoints: basis.kpoints,
                               ownsBand: { pool?.ownsBand($0) ?? true }, share: densityShare)
        state.slab = slab
        return state
    }

    /// The split of the density-grid sums of forces and stress (the atom-centred terms) over every
    /// process of the calculation, completed by the distribution's sum.
    var densityShare: ProcessShare {
        let process = distribution.process
        return ProcessShare(index: process.rank, count: process.count) { [distribution] in try distribution.sum(&$0) }
    }
}
