import Foundation
import Input
import PlaneWave

/// Relative cost of a point: irreducible k × bands × N log N with N the plane waves per k-point
/// (the FFT-dominated H application of LOBPCG).
public enum ScanCostModel {
    public static func cost(config: Config, ecut: Double, kmesh: [Int], a: Double?) -> (Double, Int) {
        var volume = config.crystal.lattice.volume
        if let a, let a0 = config.structure.latticeConstant { volume *= pow(a / a0, 3) }
        let npw = max(1, volume * pow(2 * ecut, 1.5) / (6 * Double.pi * Double.pi))
        let nk = MonkhorstPack.kpoints(crystal: config.crystal, mesh: kmesh, shift: config.discretization.kshift,
                                       useSymmetry: config.discretization.useSymmetry).count
        let bands = Double(config.discretization.bands
            ?? BandCountPolicy.automatic(occupied: (config.electronCount + 1) / 2, smearing: config.smearing))
        return (Double(nk) * bands * npw * log2(npw + 1), nk)
    }

    /// Sizes of the groups a stage's world is split into: one group per point while ranks are
    /// scarce, otherwise equal shares, so that every rank works while points remain.
    public static func groupSizes(ranks: Int, points: [ScanPoint], ranksPerPoint: Int?) -> [Int] {
        let groups: Int
        if let r = ranksPerPoint {
            groups = max(1, ranks / min(r, ranks))
        } else {
            groups = max(1, min(ranks, points.count))
        }
        return (0..<groups).map { g in (g + 1) * ranks / groups - g * ranks / groups }
    }
}
