import Bindings
import Foundation
import Parallel
import PlaneWave

/// The converged state of earlier, similar points that a point starts from: deformation densities
/// (ρ − ρ_atomic) with their extrapolation weights, and optionally orbitals on a k-point mesh.
public struct WarmStart: Sendable {
    /// The id of the point (or points) it comes from, for the record.
    public var from: String
    public var sources: [(weight: Double, density: StoredDensity)]
    public var orbitals: StoredOrbitals?

    public init(from: String, sources: [(weight: Double, density: StoredDensity)], orbitals: StoredOrbitals?) {
        self.from = from; self.sources = sources; self.orbitals = orbitals
    }
}

/// One point — a self-consistent calculation of `model` at `discretization` — on a group of ranks,
/// the one way every command runs a point (`scf`, the scan's points, the final point): builds the
/// basis, shares the k-points out in cost-balanced pools (`MPIKPointDistribution`) and runs the SCF,
/// from a warm start when given one. Every rank of the group returns the same result.
/// `run` may be called again (e.g. a retry with other SCF parameters) on the same basis and pools.
public final class PointCalculation {
    public let model: Model
    public let discretization: Discretization
    public let group: Communicator
    public let basis: PlaneWaveBasis
    public let distribution: MPIKPointDistribution
    /// The superposition of atomic densities (the cold start, and what warm starts deform).
    public private(set) lazy var atomicDensity = SCF.initialDensity(basis: basis, grid: FourierGrid(basis: basis))
    private var startDensity: [Double]? = nil
    private let startOrbitals: [Int: ComplexMatrix]
    /// The origin of the warm start used, for the record (nil: a cold start).
    public private(set) var warmStartFrom: String? = nil
    /// The SCF of the last `run` (its converged orbitals, bands).
    public private(set) var scf: SCF?
    /// When the point was set up (its wall time counts from here: basis and pools included).
    private let created = Date()

    public struct Options: Sendable {
        /// Dense eigenproblems of at least this order go through ScaLAPACK in multi-rank pools.
        public var scalapackThreshold = 64
        /// Whether idle ranks take k-points of busy ones within a step (`KPointStealing`).
        public var workStealing = true
        /// The BLACS grid of every k-point pool (and so the pools' size); nil: as many pools as k-points.
        public var scalapackGrid: GridShape?
        public init() {}
    }

    public init(model: Model, discretization: Discretization, group: Communicator, options: Options = Options(),
                warmStart: WarmStart? = nil) throws {
        // The engine's BLAS products are small: more threads only spin. An explicit OPENBLAS_NUM_THREADS is kept.
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { BLASThreads.set(1) }
        self.model = model
        self.discretization = discretization
        self.group = group
        basis = try PlaneWaveBasis(model: model, discretization: discretization)
        let bands = discretization.bands ?? SCF.automaticBands(for: basis)   // for the cost model
        let costs = basis.kpoints.map { Double($0.count * bands) }
        distribution = try MPIKPointDistribution(group: group, costs: costs, distributedThreshold: options.scalapackThreshold,
                                                 workStealing: options.workStealing, grid: options.scalapackGrid)
        startOrbitals = warmStart?.orbitals?.mapped(onto: basis) ?? [:]
        if let warmStart {
            startDensity = StoredDensity.start(from: warmStart.sources, grid: basis.fftSize, volume: basis.volume,
                                               electrons: model.electronCount, atomic: atomicDensity)
            warmStartFrom = warmStart.from
        }
    }

    public struct Outcome: Sendable {
        public let result: SCFResult
        public let layout: KPointLayout
        /// Wall time from the set-up to the end of the SCF (this rank).
        public let seconds: Double
    }

    /// How the work was shared, summed over the group's ranks: a collective, so every rank of the
    /// group calls it (after `run` returned on every one of them; never after a failure on some).
    public struct Sharing: Sendable {
        /// Dense eigenproblems solved with ScaLAPACK.
        public let distributedEigenSolves: Int
        /// k-point solves done by another rank than their owner, over all SCF steps.
        public let kpointsTaken: Int
        /// LOBPCG solves on blocks split by plane-wave rows over a pool of several ranks (each
        /// pool's solves counted once), over all SCF steps.
        public let rowDistributedSolves: Int
    }

    /// Runs the SCF with `parameters` (every rank of the group together). `observer` is called after
    /// every iteration on this rank; `shouldStop` must answer the same on every rank of the group;
    /// `interrupt` is asked on this rank alone inside the iterations (`SCF.interrupt`: a deadline).
    public func run(parameters: SCFParameters, observer: ((SCFStep) -> Void)? = nil,
                    shouldStop: (() -> Bool)? = nil, interrupt: (() -> Bool)? = nil) throws -> Outcome {
        let scf = try SCF(basis: basis, parameters: parameters, distribution: distribution)
        if let b = discretization.bands { try scf.setBands(b) }
        scf.observer = observer
        scf.shouldStop = shouldStop
        scf.interrupt = interrupt
        self.scf = scf
        let result = try scf.run(startDensity: startDensity, startOrbitals: startOrbitals)
        return Outcome(result: result, layout: distribution.layout, seconds: Date().timeIntervalSince(created))
    }

    /// The work sharing of every `run` so far (see `Sharing`).
    public func sharing() throws -> Sharing {
        let pool = distribution.pool as? ScaLAPACKPool
        let rowSolves = pool.map { $0.rank == 0 ? $0.rowDistributedSolves : 0 } ?? 0
        var total = [Double(pool?.distributedSolves ?? 0), Double(distribution.kpointsTaken), Double(rowSolves)]
        try group.allreduce(&total)
        return Sharing(distributedEigenSolves: Int(total[0]), kpointsTaken: Int(total[1]), rowDistributedSolves: Int(total[2]))
    }
}
