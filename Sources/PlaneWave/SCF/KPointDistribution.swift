import Bindings

/// How the irreducible k-points of one calculation are shared among processes. This is the only
/// contact of the engine with parallelism: each process computes the k-points its pool owns, and
/// k-point sums (density, energies, eigenvalues) are completed by `sum`.
public protocol KPointDistribution {
    /// Whether this process' pool computes k-point `k`.
    func owns(_ k: Int) -> Bool
    /// Element-wise sum over every process of the calculation, in place.
    func sum(_ values: inout [Double]) throws
    /// The processes sharing each k-point of this pool; nil when a process works alone with LAPACK.
    var pool: PoolOperations? { get }
    /// This process' rank among all processes of the calculation, and their number (the processes
    /// `sum` runs over): density-level work is shared out by it.
    var process: (rank: Int, count: Int) { get }
    /// Expected k-point work of every process (any unit), by rank: the density-level work goes to
    /// the least loaded ones.
    var processLoads: [Double] { get }
    /// Work stealing between processes within one diagonalisation, or nil. Collective.
    func makeSharing(planeWaves: [Int]) throws -> KPointSharing?
    /// The density grid of `size` points per axis in slabs over every process of the calculation, or
    /// nil when this distribution has none. Collective.
    func makeDensitySlabs(size: [Int]) throws -> DensitySlabs?
}

extension KPointDistribution {
    public var pool: PoolOperations? { nil }
    public var process: (rank: Int, count: Int) { (0, 1) }
    public var processLoads: [Double] { [Double](repeating: 0, count: process.count) }
    public func makeSharing(planeWaves: [Int]) throws -> KPointSharing? { nil }
    public func makeDensitySlabs(size: [Int]) throws -> DensitySlabs? { nil }
}

/// The density grid in slabs over the processes of one calculation (FFTW-MPI's layout: whole planes
/// of the first axis, a contiguous range of the grid's storage order on each process), for the
/// density-level work that would otherwise be done whole on one process: the mixing's input density
/// and history (`SlabDensityStep`), the density terms' energies and potential (`GridSlab`,
/// `SlabDensityTerm`). Every method is collective: all processes call it, in the same order.
public protocol DensitySlabs: AnyObject {
    /// This process' points of the grid (storage order), possibly none.
    var points: Range<Int> { get }
    /// The planes of the first axis on each process, by rank.
    var planes: [Int] { get }
    /// Element-wise sum over the processes, in place.
    func sum(_ values: inout [Double]) throws
    /// The whole grid on every process from each one's `points`.
    func gather(_ part: [Double]) throws -> [Double]
    /// f_G = (1/N) Σ_r f(r) e^{−iG·r} at this process' points for a real field f given at them, N the
    /// grid's points (`FourierGrid.fourier`): the distributed transform keeps the slab layout, so G
    /// of a point is the grid's (`FourierGrid.forEachPoint`).
    func fourier(_ part: [Double]) throws -> [Complex64]
    /// The real part of Σ_G f_G e^{iG·r} at this process' points from the coefficients at them
    /// (`FourierGrid.real`).
    func real(_ coefficients: [Complex64]) throws -> [Double]
}

extension DensitySlabs {
    /// f ← F⁻¹[p F f] for a real field f given on this process' points, with p diagonal in G:
    /// `factors[i]` multiplies the Fourier coefficient of point `points.lowerBound + i`.
    public func filter(_ part: inout [Double], factors: [Double]) throws {
        precondition(part.count == points.count && factors.count == points.count, "filter: this process' points")
        var c = try fourier(part)
        for i in c.indices { c[i] = c[i] * factors[i] }
        part = try real(c)
    }
}

/// Work stealing of k-points within one step: the time a k-point takes varies from step to
/// step with the eigensolver's iteration count, more than a static split by cost can foresee, so a
/// process that has finished its own k-points computes the last not yet started ones of another and
/// hands back their orbitals. Ownership stays fixed: each owner still builds the density of its
/// k-points. Every k-point is computed from the same orbitals and potential whoever computes it.
public protocol KPointSharing: AnyObject {
    /// Collective, at the start of each diagonalisation: publishes the orbitals (plane waves × `bands`)
    /// of the owned k-points that others may take; nil for a k-point that has none yet.
    func begin(bands: Int, orbitals: (Int) -> ComplexMatrix?) throws
    /// The next owned k-point no other process has taken, or nil.
    func nextOwn() -> Int?
    /// A k-point of another process that nobody has started, with its published orbitals.
    func steal() -> (k: Int, orbitals: ComplexMatrix?)?
    /// Hands the new orbitals and ⟨ψ_n|V_NL|ψ_n⟩ of a stolen k-point to its owner.
    func deliver(k: Int, orbitals: ComplexMatrix, nonlocal: [Double])
    /// After the step's eigenvalue sum: the owned k-points that others computed, with their results.
    func collect() -> [(k: Int, orbitals: ComplexMatrix, nonlocal: [Double])]
    /// Collective: releases the shared memory.
    func end() throws
}

/// Work shared by the processes of one k-point pool: bands are split for the Hamiltonian
/// application and the density, dense eigenproblems are distributed (ScaLAPACK).
public protocol PoolOperations {
    var size: Int { get }
    var rank: Int { get }
    /// Dense eigenproblems of at least this order are distributed; smaller ones use LAPACK locally.
    var distributedThreshold: Int { get }
    /// Eigenpairs of a Hermitian matrix known on every process (identical copies).
    func hermitianEigen(_ a: ComplexMatrix) throws -> (values: [Double], vectors: ComplexMatrix)
    /// The lowest `count` eigenpairs of an n×n Hermitian matrix given element-wise; each process
    /// evaluates only the elements of its block-cyclic part.
    func lowestEigenpairs(order n: Int, count: Int, element: (Int, Int) -> Complex64) throws -> (values: [Double], vectors: ComplexMatrix)
    /// Whether `flag` is true on any process of the pool (collective).
    func anyProcess(_ flag: Bool) throws -> Bool

    // Row-distributed blocks (LOBPCG on a pool of several processes): process r holds the rows
    // `rowRange(of: n)` (a contiguous range of plane waves) of every column.

    /// Element-wise sum over the pool, in place (an inner product over plane waves is the sum of
    /// every process' product over its rows).
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// `x` holds this process' rows of the n-row block X; returns this process' rows of f(X), where f
    /// maps full columns to full columns (n rows each) and is applied to this process' share of X's
    /// columns (`columnRange`) on this process.
    func mapRows(_ x: ComplexMatrix, rows n: Int, _ f: (ComplexMatrix) -> ComplexMatrix) throws -> ComplexMatrix
    /// The whole n-row block on every process from each one's rows `x`.
    func gatherRows(_ x: ComplexMatrix, rows n: Int) throws -> ComplexMatrix
}

extension PoolOperations {
    /// Whether this process adds band `n` to the density and band energies.
    public func ownsBand(_ n: Int) -> Bool { n % size == rank }
    /// Process r's rows of an n-row block: [r n / p, (r + 1) n / p).
    public func rowRange(of n: Int, rank r: Int? = nil) -> Range<Int> {
        let r = r ?? rank
        return (r * n / size)..<((r + 1) * n / size)
    }
    /// Process r's columns of an m-column block in `mapRows`: [r m / p, (r + 1) m / p).
    public func columnRange(of m: Int, rank r: Int? = nil) -> Range<Int> {
        let r = r ?? rank
        return (r * m / size)..<((r + 1) * m / size)
    }
}

/// Every k-point on this process.
public struct SerialKPoints: KPointDistribution {
    public init() {}
    public func owns(_ k: Int) -> Bool { true }
    public func sum(_ values: inout [Double]) {}
}
