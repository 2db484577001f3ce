import Bindings
import Numerics

extension SCF {
    /// Start orbitals for the owned k-points from a similar calculation (plane waves of this basis ×
    /// any number of bands): extra bands are dropped, missing ones filled with random vectors.
    func adoptOrbitals(_ start: [Int: ComplexMatrix]) {
        for (k, x) in start where distribution.owns(k) && x.rows == basis.kpoints[k].count && x.cols > 0 {
            orbitals[k] = x.cols >= bands ? x.columns(0..<bands)
                : .hstack([x, RandomOrbitals.block(rows: x.rows, cols: bands - x.cols, seed: k, kinetic: basis.kpoints[k].kinetic)])
        }
    }
}
