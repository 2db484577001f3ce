import Bindings
import Foundation
import Numerics

/// A band structure along a path.
public struct BandStructure: Sendable {
    public let path: HighSymmetryPath
    public let sampled: SampledPath
    /// Eigenvalues (Ha, ABINIT's convention) per k-point, ascending.
    public let eigenvalues: [[Double]]
    public let electrons: Int

    public init(path: HighSymmetryPath, sampled: SampledPath, eigenvalues: [[Double]], electrons: Int) {
        self.path = path; self.sampled = sampled; self.eigenvalues = eigenvalues; self.electrons = electrons
    }

    /// Computes the bands along `path` (sampled with about `points` k-points) from a converged density.
    public static func compute(bands solver: NonSelfConsistentBands, path: HighSymmetryPath, points: Int = 120, bands: Int,
                               tolerance: Double = 1e-7, distribution: KPointDistribution = SerialKPoints()) throws -> BandStructure {
        let sampled = path.sample(lattice: solver.model.crystal.lattice, count: points)
        let e = try solver.eigenvalues(kpoints: sampled.kpoints, bands: bands, tolerance: tolerance, distribution: distribution)
        return BandStructure(path: path, sampled: sampled, eigenvalues: e, electrons: solver.model.electronCount)
    }

    /// VBM/CBM along the path (nil for odd electron counts).
    public var gap: BandGap? {
        BandGap.find(eigenvalues: eigenvalues, kpoints: sampled.kpoints, electrons: electrons)
    }

    /// The label of a k-point on the path if it is a labelled point.
    public func label(of k: SIMD3<Double>) -> String? {
        path.points.first { norm($0.value - k) < 1e-9 }?.key
    }
}
