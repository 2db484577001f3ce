/// How many bands the SCF carries (as DFTK's `AdaptiveBands`): the occupied states plus a margin of
/// empty ones, a larger one with smearing; with smearing grown by a margin while the top band keeps
/// an occupation above `occupationThreshold` (per spin orbital), at most `maxGrowths` times; never
/// more than the plane waves of the smallest k-point basis.
public struct BandCountPolicy: Sendable, Equatable {
    public var maxGrowths = 6
    public var occupationThreshold = 1e-8

    public init() {}

    /// n + max(`minimum`, n/4), the quarter rounded down, or up when `roundingUp`.
    public static func withMargin(_ n: Int, minimum: Int = 2, roundingUp: Bool = false) -> Int {
        n + max(minimum, roundingUp ? (n + 3) / 4 : n / 4)
    }

    /// The doubly occupied states of the model's electrons, ⌈N_el/2⌉.
    public static func occupied(_ basis: PlaneWaveBasis) -> Int { (basis.model.electronCount + 1) / 2 }

    /// The plane waves of the smallest k-point basis: the most bands there can be.
    public static func limit(_ basis: PlaneWaveBasis) -> Int { basis.kpoints.map(\.count).min() ?? 0 }

    /// Most empty bands carried with fixed occupations (see `automatic(occupied:smearing:)`).
    public static let insulatorMarginLimit = 8

    /// The starting band count: with fixed occupations n + max(2, min(⌊n/4⌋, 8)), with smearing
    /// n + max(6, ⌈n/4⌉). Without smearing the empty bands only keep LOBPCG's block away from the
    /// occupied edge (they carry no electrons and are converged loosely, `DiagonalizationTolerance`),
    /// so their number need not grow with the cell while the dense work of every iteration grows with
    /// the square of the block: large cells carry 8 (ABINIT carries none by default).
    public static func automatic(occupied n: Int, smearing: Smearing) -> Int {
        if case .none = smearing { return n + max(2, min(n / 4, insulatorMarginLimit)) }
        return withMargin(n, minimum: 6, roundingUp: true)
    }

    /// `automatic(occupied:smearing:)` of the basis' model, at most `limit`. Cheap: for cost models.
    public static func automatic(for basis: PlaneWaveBasis) -> Int {
        min(automatic(occupied: occupied(basis), smearing: basis.model.smearing), limit(basis))
    }

    /// Whether to add bands after SCF step `iteration` (from 1), `growths` having been added before.
    /// `filled`: the occupation of a full orbital (2, or 1 with spin polarisation).
    public func shouldGrow(smearing: Smearing, iteration: Int, growths: Int, occupations: Occupations, filled: Double = 2) -> Bool {
        guard smearing != .none, iteration > 1, growths < maxGrowths else { return false }
        let top = occupations.values.map { ($0.last ?? 0) / filled }.max() ?? 0
        return top > occupationThreshold
    }

    /// The grown count: `withMargin(bands)`, at most `limit`.
    public func grown(_ bands: Int, limit: Int) -> Int { min(limit, BandCountPolicy.withMargin(bands)) }
}
