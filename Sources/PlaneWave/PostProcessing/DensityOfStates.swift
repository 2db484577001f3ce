import Bindings
import Foundation
import Numerics

/// Density of states with Gaussian broadening, from eigenvalues on a weighted k-mesh:
/// g(E) = f Σ_k w_k Σ_n exp(−(E − ε_nk)²/2σ²)/(σ√2π) per cell, f = 2 for spin-degenerate bands
/// (both spins) and f = 1 for the bands of one spin channel.
public struct DensityOfStates: Sendable, Codable, Equatable {
    /// Energies (Ha).
    public let energies: [Double]
    /// States per Ha per cell.
    public let dos: [Double]
    /// Number of states per cell below each energy.
    public let integrated: [Double]
    public let sigma: Double
    /// Fermi level (Ha) of the mesh eigenvalues with the model's smearing.
    public let fermiLevel: Double

    /// `occupancy`: states per band and k-point, f above (2, or 1 for one spin channel).
    public init(eigenvalues: [[Double]], weights: [Double], sigma: Double, step: Double? = nil, fermiLevel: Double,
                window: ClosedRange<Double>? = nil, occupancy: Double = 2) {
        let all = eigenvalues.flatMap { $0 }
        let lo = window?.lowerBound ?? ((all.min() ?? 0) - 5 * sigma)
        let hi = window?.upperBound ?? ((all.max() ?? 0) + 5 * sigma)
        let de = step ?? sigma / 5
        let n = max(2, Int(((hi - lo) / de).rounded(.up)) + 1)
        let grid = (0..<n).map { lo + Double($0) * de }
        var g = [Double](repeating: 0, count: n)
        var cumulative = [Double](repeating: 0, count: n)
        let norm = 1 / (sigma * (2 * Double.pi).squareRoot())
        for (k, e) in eigenvalues.enumerated() {
            let w = occupancy * weights[k]
            for x in e {
                let first = max(0, Int(((x - 8 * sigma - lo) / de).rounded(.down)))
                let last = min(n - 1, Int(((x + 8 * sigma - lo) / de).rounded(.up)))
                if first <= last {
                    for i in first...last {
                        let t = (grid[i] - x) / sigma
                        g[i] += w * norm * exp(-t * t / 2)
                    }
                }
                // integrated: exact Gaussian cumulative on the whole grid
                for i in 0..<n {
                    let t = (grid[i] - x) / (sigma * 2.0.squareRoot())
                    if t < -6 { continue }
                    cumulative[i] += w * (t > 6 ? 1 : 0.5 * erfc(-t))
                }
            }
        }
        energies = grid; dos = g; integrated = cumulative; self.sigma = sigma; self.fermiLevel = fermiLevel
    }

    /// Computes eigenvalues on a Monkhorst–Pack mesh (irreducible points with weights) and their DOS.
    public static func compute(bands solver: NonSelfConsistentBands, mesh: [Int], shift: [Int] = [0, 0, 0], bands: Int,
                               sigma: Double, tolerance: Double = 1e-6,
                               distribution: KPointDistribution = SerialKPoints()) throws -> (dos: DensityOfStates, eigenvalues: [[Double]], kpoints: [KPoint]) {
        let kps = MonkhorstPack.kpoints(crystal: solver.model.crystal, mesh: mesh, shift: shift, useSymmetry: true)
        let e = try solver.eigenvalues(kpoints: kps.map(\.reduced), bands: bands, tolerance: tolerance, distribution: distribution)
        let w = kps.map(\.weight)
        let occ = try Occupations.compute(eigenvalues: e, weights: w, electrons: solver.model.electronCount,
                                          smearing: solver.model.smearing)
        return (DensityOfStates(eigenvalues: e, weights: w, sigma: sigma, fermiLevel: occ.fermiLevel), e, kps)
    }
}
