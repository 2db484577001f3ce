import Bindings

extension SCF {
    /// The stress at the state of `density` (symmetrised ρ_out) and `occupations`, with the current
    /// orbitals of this process' k-points and bands (`KohnShamTerms.stress`). Collective over the
    /// processes of the distribution, like `forces(density:occupations:slab:)`: the same sums on each.
    func stress(density: [Double], occupations: [[Double]], slab: GridSlab?) throws -> [SIMD3<Double>] {
        try terms.stress(forceState(density: density, occupations: occupations, slab: slab)) { try distribution.sum(&$0) }
    }
}
