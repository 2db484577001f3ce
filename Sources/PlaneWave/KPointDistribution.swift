/// How the irreducible k-points of one calculation are shared among processes. This is the only
/// contact of the engine with parallelism: each process computes the k-points it owns, and
/// k-point sums (density, energies, eigenvalues) are completed by `sum`.
public protocol KPointDistribution {
    func owns(_ k: Int) -> Bool
    /// Element-wise sum over the processes sharing the calculation, in place.
    func sum(_ values: inout [Double]) throws
}

/// Every k-point on this process.
public struct SerialKPoints: KPointDistribution {
    public init() {}
    public func owns(_ k: Int) -> Bool { true }
    public func sum(_ values: inout [Double]) {}
}
