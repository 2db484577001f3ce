import Bindings
import Foundation
import Parallel
import PlaneWave
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop the run (signals, job time limits): no new point starts, running SCFs end
/// after their current iteration and are recorded as interrupted.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}

/// What a group computes: one point, optionally warm-started from a stored density.
struct Assignment: Codable {
    var point: ScanPoint?
    var warmFrom: String?
}

/// A finished point as the master receives it.
struct PointResult {
    var record: PointRecord
    var density: StoredDensity?
}

/// Frames of the dispatch protocol: an 8-byte length, a JSON header, an optional density.
enum Frame {
    static func encode<T: Encodable>(_ header: T, density: StoredDensity?) throws -> Data {
        let h = try Journal.encoder.encode(header)
        var n = Int64(h.count)
        var d = Data(bytes: &n, count: 8)
        d.append(h)
        if let density { d.append(density.encoded()) }
        return d
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> (T, StoredDensity?) {
        guard data.count >= 8 else { throw RunError("dispatch message of \(data.count) bytes") }
        let bytes = [UInt8](data)
        let n = Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
        guard n >= 0, 8 + n <= data.count else { throw RunError("dispatch message header of \(n) bytes in \(data.count)") }
        let header = try Journal.decoder.decode(T.self, from: Data(bytes[8..<(8 + n)]))
        let rest = Data(bytes[(8 + n)...])
        return (header, rest.isEmpty ? nil : StoredDensity(encoded: rest))
    }
}

/// Runs one point on a group of ranks: the SCF with a per-point deadline (decided on the group's
/// first rank and broadcast, so that every rank stops at the same iteration), one retry with
/// more conservative mixing when it does not converge, and errors caught so that the group stays in step.
final class PointExecutor {
    let config: ScanConfig
    let planner: ScanPlanner
    let group: Communicator
    /// Called after every SCF iteration on this rank (world rank 0 answers dispatch requests there).
    var poll: (() -> Void)?
    let stop: StopFlag
    var scalapackThreshold = 64

    init(config: ScanConfig, planner: ScanPlanner, group: Communicator, stop: StopFlag) {
        self.config = config
        self.planner = planner
        self.group = group
        self.stop = stop
    }

    func run(_ point: ScanPoint, start: StoredDensity?, warmFrom: String?) -> PointResult {
        let t0 = Date()
        PeakMemory.reset()
        let (baseParameters, timeout) = planner.scfParameters(for: point)
        let deadline = t0.addingTimeInterval(timeout)
        var stopKind = 0.0   // 1 timeout, 2 interrupted
        var errorText: String? = nil
        var result: SCFResult? = nil
        var totalIterations = 0
        var retried = false
        var cfg: Config? = nil
        var usedWarm: String? = nil
        do {
            let c = try config.base.applying(ConfigOverrides(
                ecut: String(format: "%.17g Ha", point.ecut),
                kmesh: point.kmesh.map(String.init).joined(separator: "x"),
                a: point.a.map { String(format: "%.17g bohr", $0) }))
            cfg = c
            let basis = try PlaneWaveBasis(model: c.model, discretization: c.discretization)
            let bands = c.discretization.bands ?? SCF.automaticBands(for: basis)
            let costs = basis.kpoints.map { Double($0.count * bands) }
            let distribution = try MPIKPointDistribution(group: group, costs: costs, distributedThreshold: scalapackThreshold)
            let startRho = start.map { $0.transferred(to: basis.fftSize, volume: basis.volume, electrons: c.model.electronCount) }
            if startRho != nil { usedWarm = warmFrom }
            let group = self.group
            let stop = self.stop
            func attempt(_ p: SCFParameters) throws -> SCFResult {
                let scf = try SCF(basis: basis, parameters: p, distribution: distribution)
                if let b = c.discretization.bands { try scf.setBands(b) }
                let poll = self.poll
                scf.observer = { _ in poll?() }
                scf.shouldStop = {
                    var verdict = [0.0]
                    if group.rank == 0 { verdict[0] = Date() > deadline ? 1 : stop.isSet ? 2 : 0 }
                    try? group.broadcast(&verdict)
                    stopKind = verdict[0]
                    return verdict[0] != 0
                }
                return try scf.run(startDensity: startRho)
            }
            var r = try attempt(baseParameters)
            totalIterations += r.iterations
            if !r.converged && !r.stopped && config.resources.retry {
                var conservative = baseParameters
                conservative.mixingDamping = max(0.05, baseParameters.mixingDamping / 2)
                retried = true
                r = try attempt(conservative)
                totalIterations += r.iterations
            }
            result = r
        } catch {
            errorText = "\(error)".split(whereSeparator: \.isNewline).joined(separator: "; ")
        }
        // the whole group agrees on failure (an error on one rank only is reported by the first rank)
        var failed = [errorText == nil ? 0.0 : 1.0]
        try? group.allreduce(&failed, .max)
        if failed[0] != 0 {
            let text = (try? group.broadcast(errorText ?? "")) ?? (errorText ?? "")
            errorText = text.isEmpty ? "failed on another rank of the group" : text
        }
        var peak = [PeakMemory.mebibytes() ?? 0]
        try? group.allreduce(&peak, .max)

        let base = config.base
        let atoms = base.crystal.atoms.count
        let aBohr = point.a ?? base.structure.latticeConstant ?? cbrt(cfg?.crystal.lattice.volume ?? base.crystal.lattice.volume)
        var status: PointRecord.Status = .failed
        var error: String? = errorText
        if failed[0] == 0, let r = result {
            if r.converged {
                status = .converged
            } else if r.stopped {
                status = stopKind == 2 ? .interrupted : .timeout
                error = stopKind == 2 ? "interrupted after \(r.iterations) SCF iterations"
                    : String(format: "exceeded the %@ s time limit after %d SCF iterations", formatNumber(timeout), totalIterations)
            } else {
                status = .unconverged
                error = "not converged after \(r.iterations) SCF iterations (scf.max_iterations \(baseParameters.maxIterations))"
                    + (retried ? ", also with mixing damping \(formatNumber(max(0.05, baseParameters.mixingDamping / 2)))" : "")
            }
        }
        let r = failed[0] == 0 ? result : nil
        let record = PointRecord(
            id: point.id, stage: point.stage, ecut_Ha: point.ecut, kmesh: point.kmesh, kshift: point.kshift,
            lattice_constant_angstrom: aBohr / Units.angstrom,
            smearing: smearingName(base.smearing), smearing_width_Ha: base.smearing.width, status: status,
            free_energy_Ha: r?.freeEnergy, internal_energy_Ha: r?.internalEnergy,
            free_energy_per_atom_eV: r.map { $0.freeEnergy / Double(atoms) * Units.hartreeInEV },
            fermi_level_Ha: r?.fermiLevel, gap_Ha: r?.gap?.gap,
            volume_bohr3: cfg?.crystal.lattice.volume ?? base.crystal.lattice.volume, atoms: atoms,
            n_irreducible_k: r?.kpoints.count, scf_iterations: r == nil ? nil : totalIterations,
            wall_time_s: Date().timeIntervalSince(t0), ranks: group.size, peak_memory_MiB: peak[0] > 0 ? peak[0] : nil,
            host: ProcessInfo.processInfo.hostName, error: error, warm_start_from: usedWarm, finished_at: timestamp())
        var density: StoredDensity? = nil
        if status == .converged, let r, let c = cfg {
            let grid = r.fftGrid
            density = StoredDensity(grid: grid, volume: c.crystal.lattice.volume, values: r.density)
        }
        return PointResult(record: record, density: density)
    }
}

func smearingName(_ s: Smearing) -> String {
    switch s {
    case .none: "none"
    case .fermiDirac: "fermi-dirac"
    case .gaussian: "gaussian"
    case .marzariVanderbilt: "marzari-vanderbilt"
    case .methfesselPaxton: "methfessel-paxton"
    }
}

/// Dynamic distribution of a stage's points over groups. World rank 0 is the master (and the
/// leader of group 0): it hands out points, largest cost first (or in parameter order for stages
/// that stop early), receives results and answers requests between its own SCF iterations.
final class StageDispatch {
    static let requestTag = 7101
    static let assignTag = 7102

    let world: Communicator
    let groupSizes: [Int]
    var leaders: [Int] { groupSizes.indices.map { g in groupSizes[..<g].reduce(0, +) } }

    // master state (world rank 0)
    var queue: [ScanPoint] = []
    /// Called on the master when a point finishes (journal, progress); returns nothing.
    var onResult: ((PointResult, ScanPoint) -> Void)?
    /// Keys no longer needed (early stopping), asked before every assignment.
    var unneeded: (() -> Set<String>)?
    /// Stored densities for warm starts, by point key.
    var densities: [String: (point: ScanPoint, density: StoredDensity)] = [:]
    var warmStart = true
    var stop: StopFlag
    /// Called on the master now and then (checkpoints).
    var tick: (() -> Void)?
    private var running: [Int: ScanPoint] = [:]
    private var stoppedGroups = Set<Int>()

    init(world: Communicator, groupSizes: [Int], stop: StopFlag) {
        self.world = world
        self.groupSizes = groupSizes
        self.stop = stop
    }

    func group(ofRank r: Int) -> Int {
        var start = 0
        for (g, n) in groupSizes.enumerated() { if r < start + n { return g }; start += n }
        return groupSizes.count - 1
    }

    /// Runs the stage on this rank; returns when every point is done (collective over the world).
    func run(executorFor: (Communicator) -> PointExecutor) throws {
        let g = group(ofRank: world.rank)
        let groupComm = try world.split(color: g, key: world.rank)
        let executor = executorFor(groupComm)
        let isLeader = groupComm.rank == 0
        let isMaster = world.rank == 0
        if isMaster { executor.poll = { [unowned self] in self.serve(blocking: false) } }
        var last: PointResult? = nil
        while true {
            var message = Data()
            if isLeader {
                if isMaster {
                    if let l = last { accept(l, group: 0) }
                    serve(blocking: false)
                    message = try assignmentFrame(for: 0)
                } else {
                    let payload = try last.map { try Frame.encode($0.record, density: $0.density) } ?? Data()
                    try world.send(payload, to: 0, tag: Self.requestTag)
                    message = try world.receive(from: 0, tag: Self.assignTag).data
                }
            }
            message = try groupComm.broadcast(message)
            let (assignment, density) = try Frame.decode(Assignment.self, message)
            guard let point = assignment.point else { break }
            last = executor.run(point, start: density, warmFrom: assignment.warmFrom)
        }
        if isMaster {
            while stoppedGroups.count < groupSizes.count { serve(blocking: true) }
        }
        try world.barrier()
    }

    /// Master: answers pending requests (one blocking wait when asked).
    func serve(blocking: Bool) {
        guard world.rank == 0 else { return }
        tick?()
        var wait = blocking
        while true {
            let source: Int?
            if wait {
                source = nil
            } else {
                guard let s = try? world.probe(tag: Self.requestTag) else { return }
                source = s
            }
            guard let (data, from) = try? world.receive(from: source, tag: Self.requestTag) else { return }
            wait = false
            let g = group(ofRank: from)
            if !data.isEmpty, let (record, density) = try? Frame.decode(PointRecord.self, data) {
                accept(PointResult(record: record, density: density), group: g)
            }
            if let frame = try? assignmentFrame(for: g) {
                try? world.send(frame, to: from, tag: Self.assignTag)
            }
        }
    }

    private func accept(_ r: PointResult, group g: Int) {
        guard let p = running.removeValue(forKey: g) else { return }
        if let d = r.density, warmStart {
            densities[p.key] = (p, d)
            // keep the most recent few
            if densities.count > 32, let oldest = densities.keys.first(where: { $0 != p.key }) { densities.removeValue(forKey: oldest) }
        }
        onResult?(r, p)
    }

    private func assignmentFrame(for g: Int) throws -> Data {
        let skip = unneeded?() ?? []
        queue.removeAll { skip.contains($0.key) }
        guard !stop.isSet, !queue.isEmpty else {
            stoppedGroups.insert(g)
            return try Frame.encode(Assignment(point: nil), density: nil)
        }
        let p = queue.removeFirst()
        running[g] = p
        let warm = warmStart ? nearest(to: p) : nil
        return try Frame.encode(Assignment(point: p, warmFrom: warm?.point.id), density: warm?.density)
    }

    /// The finished point nearest in parameters (cutoff, mesh density, lattice constant).
    func nearest(to p: ScanPoint) -> (point: ScanPoint, density: StoredDensity)? {
        func distance(_ q: ScanPoint) -> Double {
            let de = abs(log(q.ecut / p.ecut))
            let dk = abs(log(Double(q.kmesh.reduce(1, *)) / Double(p.kmesh.reduce(1, *))))
            let da = (q.a != nil && p.a != nil) ? abs(q.a! / p.a! - 1) * 20 : 0
            return de + 0.5 * dk + da
        }
        return densities.values.min { a, b in
            let da = distance(a.point), db = distance(b.point)
            return da != db ? da < db : a.point.id < b.point.id
        }
    }
}
