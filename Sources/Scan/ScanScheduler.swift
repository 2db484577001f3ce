import Bindings
import Foundation
import Doctor
import Reporting
import ParallelSCF
import RunStore
import Convergence
import Input
import Parallel
import PlaneWave
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop the run (signals, job time limits, a run directory that cannot be written): no
/// new point starts, running SCFs end within their current iteration and are recorded as interrupted.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}

/// What a group computes: one point, optionally warm-started from stored states (the frame's
/// blobs: one deformation density per weight, then the orbitals if `orbitals`).
struct Assignment: Codable {
    var point: ScanPoint?
    var warmFrom: String?
    var weights: [Double] = []
    var orbitals = false
}

/// A finished point as the master receives it (blobs: the deformation density and the orbitals, when present).
struct ResultHeader: Codable {
    var record: PointRecord
    var density = false
    var orbitals = false
}

/// A finished point with its converged state (for warm starts).
struct PointResult {
    var record: PointRecord
    var deformation: StoredDensity?
    var orbitals: StoredOrbitals?

    func frame() throws -> Data {
        try Frame.encode(ResultHeader(record: record, density: deformation != nil, orbitals: orbitals != nil),
                         blobs: [deformation?.encoded(), orbitals?.encoded()].compactMap { $0 })
    }

    init(record: PointRecord, deformation: StoredDensity?, orbitals: StoredOrbitals?) {
        self.record = record; self.deformation = deformation; self.orbitals = orbitals
    }

    init(frame: Data) throws {
        let (h, blobs) = try Frame.decode(ResultHeader.self, frame)
        var rest = blobs[...]
        record = h.record
        deformation = h.density ? rest.popFirst().flatMap { StoredDensity(encoded: $0) } : nil
        orbitals = h.orbitals ? rest.popFirst().flatMap { StoredOrbitals(encoded: $0) } : nil
    }
}

/// Frames of the dispatch protocol: an 8-byte length and a JSON header, then binary blobs, each
/// with its 8-byte length.
enum Frame {
    static func encode<T: Encodable>(_ header: T, blobs: [Data] = []) throws -> Data {
        var w = WireWriter()
        let h = try JSONCoding.encoder().encode(header)
        for part in [h] + blobs { w.int(part.count); w.data.append(part) }
        return w.data
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> (T, [Data]) {
        var r = WireReader(data)
        var parts: [Data] = []
        while !r.atEnd {
            guard let n = r.int(), let part = r.bytes(n) else { throw RunError("damaged dispatch message of \(data.count) bytes") }
            parts.append(Data(part))
        }
        guard let h = parts.first else { throw RunError("empty dispatch message") }
        return (try JSONCoding.decoder().decode(T.self, from: h), Array(parts.dropFirst()))
    }
}

extension WarmStart {
    /// The warm start a group received with its assignment (nil: a cold start).
    init?(_ a: Assignment, blobs: [Data]) {
        guard let from = a.warmFrom, !a.weights.isEmpty, blobs.count >= a.weights.count else { return nil }
        var s: [(weight: Double, density: StoredDensity)] = []
        for (w, b) in zip(a.weights, blobs) {
            guard let d = StoredDensity(encoded: b) else { return nil }
            s.append((w, d))
        }
        self.init(from: from, sources: s,
                  orbitals: a.orbitals && blobs.count > a.weights.count ? StoredOrbitals(encoded: blobs[a.weights.count]) : nil)
    }
}

/// Runs one point on a group of ranks: the SCF under the point's `PointLimits` (its deadline, also
/// inside an iteration, the stop flag, one retry with more conservative mixing when it does not
/// converge), and errors caught so that the group stays in step.
final class PointExecutor {
    let config: ScanConfig
    let planner: ScanPlanner
    let group: Communicator
    /// Called after every SCF iteration on this rank (world rank 0 answers dispatch requests there).
    var poll: (() -> Void)?
    let stop: StopFlag
    var scalapackThreshold = 64
    /// Return the converged deformation density and orbitals (gathered on the group's first rank) for warm starts.
    var keepState = true
    /// Orbitals larger than this are not kept (rank 0 stores a few; the density alone still warm-starts).
    var orbitalLimit = 256 << 20

    init(config: ScanConfig, planner: ScanPlanner, group: Communicator, stop: StopFlag) {
        self.config = config
        self.planner = planner
        self.group = group
        self.stop = stop
    }

    func run(_ point: ScanPoint, start: WarmStart?) -> PointResult {
        let t0 = Date()
        PeakMemory.reset()
        let (baseParameters, timeout) = planner.scfParameters(for: point)
        var limits = PointLimits(timeout: timeout, retry: config.resources.retry, stop: stop)
        limits.hang = PointLimits.hangs(point.id)
        var errorText: String? = nil
        var outcome: PointLimits.Outcome? = nil
        var cfg: Config? = nil
        var calculation: PointCalculation? = nil
        do {
            let c = try config.base.applying(ConfigOverrides(
                ecut: String(format: "%.17g Ha", point.ecut),
                kmesh: point.kmesh.map(String.init).joined(separator: "x"),
                a: point.a.map { String(format: "%.17g bohr", $0) }))
            cfg = c
            var options = PointCalculation.Options()
            options.scalapackThreshold = scalapackThreshold
            let calc = try PointCalculation(model: c.model, discretization: c.discretization, group: group, options: options,
                                            warmStart: start)
            calculation = calc
            let poll = self.poll
            outcome = try limits.run(calc, parameters: baseParameters, started: t0, observer: { _ in poll?() })
        } catch {
            errorText = "\(error)".replacingNewlines()
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
        let aBohr = point.a ?? base.structure.latticeConstant ?? cbrt(cfg?.crystal.lattice.volume ?? base.crystal.lattice.volume)
        var status: PointRecord.Status = .failed
        var error: String? = errorText
        if failed[0] == 0, let o = outcome {
            status = o.status
            error = o.error
        }
        let r = failed[0] == 0 ? outcome?.result : nil
        let record = PointRecord(
            id: point.id, stage: point.stage, ecut: point.ecut, kmesh: point.kmesh, kshift: point.kshift, latticeConstant: aBohr,
            volume: cfg?.crystal.lattice.volume ?? base.crystal.lattice.volume, atoms: base.crystal.atoms.count,
            smearing: base.smearing, status: status, result: r, scfIterations: outcome?.iterations ?? 0, error: error,
            wallTime: Date().timeIntervalSince(t0), ranks: group.size, peakMemoryMiB: peak[0] > 0 ? peak[0] : nil,
            warmStartFrom: calculation?.warmStartFrom)
        guard keepState, status == .converged, let r, let calc = calculation, let scf = calc.scf else {
            return PointResult(record: record, deformation: nil, orbitals: nil)
        }
        let deformation = StoredDensity(grid: r.fftGrid, volume: calc.basis.volume, values: zip(r.density, calc.atomicDensity).map { $0 - $1 })
        let orbitalBytes = calc.basis.kpoints.reduce(0) { $0 + 16 * $1.count * scf.bands }
        let orbitals = orbitalBytes <= orbitalLimit
            ? gatherOrbitals(scf.orbitals, basis: calc.basis, contribute: (calc.distribution.pool?.rank ?? 0) == 0) : nil
        return PointResult(record: record, deformation: deformation, orbitals: orbitals)
    }

    /// The converged orbitals of every k-point on the group's first rank (each pool's first rank
    /// contributes its k-points); nil elsewhere or when the gather fails.
    func gatherOrbitals(_ orbitals: [Int: ComplexMatrix], basis: PlaneWaveBasis, contribute: Bool) -> StoredOrbitals? {
        let mine = contribute ? StoredOrbitals(basis: basis, orbitals: orbitals).encoded() : Data()
        guard let parts = try? group.gatherv(mine) else { return nil }
        let blocks = parts.filter { !$0.isEmpty }.compactMap { StoredOrbitals(encoded: $0)?.blocks }.flatMap { $0 }
        return StoredOrbitals(blocks: blocks.sorted { ($0.spin, $0.k.x, $0.k.y, $0.k.z) < ($1.spin, $1.k.x, $1.k.y, $1.k.z) })
    }
}

/// Dynamic distribution of a stage's points over groups. World rank 0 is the master (and the
/// leader of group 0): it hands out points, largest cost first (or in parameter order for stages
/// that stop early), receives results and answers requests between its own SCF iterations.
final class StageDispatch {
    static let requestTag = 7101
    static let assignTag = 7102
    /// A group leader's heartbeat to the master (empty, at most one a second while it computes a point).
    static let heartbeatTag = 7103
    static let heartbeatInterval = 1.0

    let world: Communicator
    let groupSizes: [Int]

    // master state (world rank 0)
    var queue: [ScanPoint] = []
    /// Called on the master when a point finishes (journal, progress); returns nothing.
    var onResult: ((PointResult, ScanPoint) -> Void)?
    /// Keys no longer needed (early stopping), asked before every assignment.
    var unneeded: (() -> Set<String>)?
    /// Converged densities of finished points (this stage's and earlier stages') for warm starts.
    var store = WarmStartStore()
    var warmStart = true
    var stop: StopFlag
    /// Called on the master now and then (checkpoints).
    var tick: (() -> Void)?
    /// Called on the master when a point is handed to a group.
    var onStart: ((ScanPoint) -> Void)?
    /// The master's watchdog over the groups computing points (nil: none).
    var watchdog: Watchdog?
    private var running: [Int: ScanPoint] = [:]
    private var stoppedGroups = Set<Int>()
    /// Groups (other than the master's) whose request waits for a first converged neighbour, by leader rank.
    private var waiting: [Int: Int] = [:]

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
        watchCollective()
        let groupComm = try world.split(color: g, key: world.rank)
        watchdog?.disarm(Watchdog.worldCollective)
        let executor = executorFor(groupComm)
        let isLeader = groupComm.rank == 0
        let isMaster = world.rank == 0
        if isMaster {
            executor.poll = { [unowned self] in
                self.watchdog?.beat(0)
                self.serve(blocking: false)
            }
        } else if isLeader {
            // heartbeats for the master's watchdog: this group makes progress
            var lastBeat = Date.distantPast
            let world = self.world
            executor.poll = {
                guard Date().timeIntervalSince(lastBeat) >= Self.heartbeatInterval else { return }
                lastBeat = Date()
                try? world.send(Data(), to: 0, tag: Self.heartbeatTag)
            }
        }
        var last: PointResult? = nil
        while true {
            var message = Data()
            if isLeader {
                if isMaster {
                    if let l = last { accept(l, group: 0) }
                    serve(blocking: false)
                    while true {
                        if let m = try assignmentFrame(for: 0) { message = m; break }
                        serve(blocking: true)
                    }
                } else {
                    let payload = try last.map { try $0.frame() } ?? Data()
                    try world.send(payload, to: 0, tag: Self.requestTag)
                    message = try world.receive(from: 0, tag: Self.assignTag).data
                }
            }
            message = try groupComm.broadcast(message)
            let (assignment, blobs) = try Frame.decode(Assignment.self, message)
            guard let point = assignment.point else { break }
            last = executor.run(point, start: WarmStart(assignment, blobs: blobs))
        }
        if isMaster {
            while stoppedGroups.count < groupSizes.count { serve(blocking: true) }
        }
        watchCollective()
        try world.barrier()
        watchdog?.disarm(Watchdog.worldCollective)
        if isMaster { drainHeartbeats() }
    }

    /// Master: watches a collective over the world (a rank that never joins it stalls it).
    private func watchCollective() {
        watchdog?.arm(Watchdog.worldCollective, label: "the world (\(world.size) ranks, in a collective)", point: nil)
    }

    /// Master: takes the heartbeats that arrived.
    private func drainHeartbeats() {
        while let s = try? world.probe(tag: Self.heartbeatTag) {
            guard (try? world.receive(from: s, tag: Self.heartbeatTag)) != nil else { return }
            watchdog?.beat(group(ofRank: s))
        }
    }

    /// Master: answers pending requests (one wait for a request when asked: polled, so that the
    /// heartbeats keep being taken meanwhile).
    func serve(blocking: Bool) {
        guard world.rank == 0 else { return }
        tick?()
        var wait = blocking
        while true {
            drainHeartbeats()
            var source = try? world.probe(tag: Self.requestTag)
            if source == nil && !wait { return }
            while source == nil {
                usleep(1000)
                drainHeartbeats()
                source = try? world.probe(tag: Self.requestTag)
            }
            guard let (data, from) = try? world.receive(from: source, tag: Self.requestTag) else { return }
            wait = false
            let g = group(ofRank: from)
            if !data.isEmpty, let result = try? PointResult(frame: data) { accept(result, group: g) }
            waiting[g] = from
            answerWaiting()
        }
    }

    /// Master: sends assignments to the groups whose request is waiting, where one can be given now.
    private func answerWaiting() {
        for (g, leader) in waiting.sorted(by: { $0.key < $1.key }) {
            guard let frame = try? assignmentFrame(for: g) else { continue }
            waiting.removeValue(forKey: g)
            try? world.send(frame, to: leader, tag: Self.assignTag)
        }
    }

    private func accept(_ r: PointResult, group g: Int) {
        guard let p = running.removeValue(forKey: g) else { return }
        watchdog?.disarm(g)
        if let d = r.deformation, warmStart { store.add(p, deformation: d, orbitals: r.orbitals) }
        onResult?(r, p)
        if g == 0 { answerWaiting() }
    }

    /// The assignment frame for group `g`, or nil when it should wait: with warm starts, while no
    /// converged state exists yet and some point is running, only one point starts cold and the
    /// other groups start from its result. Otherwise the next point is the one nearest to a stored
    /// state (largest cost first among equals).
    private func assignmentFrame(for g: Int) throws -> Data? {
        let skip = unneeded?() ?? []
        queue.removeAll { skip.contains($0.key) }
        guard !stop.isSet, !queue.isEmpty else {
            stoppedGroups.insert(g)
            return try Frame.encode(Assignment(point: nil))
        }
        let index = warmStart ? store.next(in: queue) : 0
        if warmStart && store.shouldWait(queue[index], running: Array(running.values)) { return nil }
        let p = queue.remove(at: index)
        running[g] = p
        let first = groupSizes[..<g].reduce(0, +)
        watchdog?.arm(g, label: "group \(g) (rank\(groupSizes[g] > 1 ? "s \(first)–\(first + groupSizes[g] - 1)" : " \(first)"))", point: p)
        onStart?(p)
        return warmStart ? try store.assignment(for: p) : try Frame.encode(Assignment(point: p))
    }
}
