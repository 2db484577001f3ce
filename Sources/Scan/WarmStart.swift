import Foundation
import Doctor
import Reporting
import ParallelSCF
import RunStore
import Convergence
import Input
import PlaneWave

/// The converged states of finished points, kept on the master for warm starts across all stages
/// of a run (the k-mesh stage starts from the cutoff stage's points, the lattice stage from the
/// k-mesh stage's). Densities are kept as deformation densities (converged minus the atomic
/// guess of the same cell), which transfer between lattice constants better than the density
/// itself: the atomic part is rebuilt in the new cell. Bounded: beyond `capacity` entries the
/// oldest go; orbitals (the bulk of the memory, each at most `PointExecutor.orbitalLimit`) only for
/// the `orbitalCapacity` latest.
final class WarmStartStore {
    struct Entry {
        var point: ScanPoint
        var deformation: StoredDensity
        var orbitals: StoredOrbitals?
        var serial: Int
    }

    /// How a point starts: Σ weight × deformation density of the sources (one, or a linear
    /// extrapolation along the lattice constant), plus the orbitals of the nearest source.
    struct Start {
        var from: ScanPoint
        var sources: [(weight: Double, density: StoredDensity)]
        var orbitals: StoredOrbitals?
    }

    let capacity: Int
    let orbitalCapacity: Int
    /// Largest |weight| of an extrapolation (larger ones amplify the sources' differences too much).
    static let maximumWeight = 20.0
    private(set) var entries: [String: Entry] = [:]
    private var serial = 0

    init(capacity: Int = 16, orbitalCapacity: Int = 2) {
        self.capacity = capacity
        self.orbitalCapacity = orbitalCapacity
    }

    var isEmpty: Bool { entries.isEmpty }

    func add(_ point: ScanPoint, deformation: StoredDensity, orbitals: StoredOrbitals?) {
        serial += 1
        entries[point.key] = Entry(point: point, deformation: deformation, orbitals: orbitals, serial: serial)
        let bySerial = entries.values.sorted { $0.serial > $1.serial }
        for e in bySerial.dropFirst(capacity) { entries.removeValue(forKey: e.point.key) }
        for e in bySerial.prefix(capacity).dropFirst(orbitalCapacity) where e.orbitals != nil { entries[e.point.key]?.orbitals = nil }
    }

    /// Distance in parameters (cutoff ratio, mesh density ratio, lattice constant) between two points.
    static func distance(_ p: ScanPoint, _ q: ScanPoint) -> Double {
        let de = abs(log(q.ecut / p.ecut))
        let dk = abs(log(Double(q.kmesh.reduce(1, *)) / Double(p.kmesh.reduce(1, *))))
        let da = (q.a != nil && p.a != nil) ? abs(q.a! / p.a! - 1) * 20 : 0
        let shift = q.kshift == p.kshift ? 0.0 : 1.0
        return de + 0.5 * dk + da + shift
    }

    /// The stored point nearest in parameters (ties: the lower id).
    func nearest(to p: ScanPoint) -> Entry? {
        entries.values.min { a, b in
            let da = Self.distance(p, a.point), db = Self.distance(p, b.point)
            return da != db ? da < db : a.point.id < b.point.id
        }
    }

    /// Which queued point to start next: the one nearest to a stored state (ties: queue order, i.e.
    /// largest cost first); with nothing stored, the one in the middle of the others (least total
    /// distance), so that as many as possible start near it.
    func next(in queue: [ScanPoint]) -> Int {
        func key(_ p: ScanPoint) -> Double {
            if let q = nearest(to: p) { return Self.distance(p, q.point) }
            return queue.reduce(0) { $0 + Self.distance(p, $1) }
        }
        var best = 0, bestKey = Double.infinity
        for (i, p) in queue.enumerated() { let k = key(p); if k < bestKey { best = i; bestKey = k } }
        return best
    }

    /// Whether `p` should rather wait for one of the `running` points: nothing is stored yet; or
    /// the nearest stored point is far (e.g. a k-mesh twice as dense) and a running one is nearer;
    /// or `p` has a lattice constant, a single point of its lattice line is stored and another is
    /// running (with two, its start is extrapolated).
    func shouldWait(_ p: ScanPoint, running: [ScanPoint]) -> Bool {
        guard !running.isEmpty else { return false }
        guard let q = nearest(to: p) else { return true }
        let d = Self.distance(p, q.point)
        if d > 0.5 && running.contains(where: { Self.distance(p, $0) < d }) { return true }
        return p.a != nil && lattice(of: p).count == 1 && running.contains { Self.onLatticeLine($0, p) }
    }

    static func onLatticeLine(_ q: ScanPoint, _ p: ScanPoint) -> Bool {
        q.ecut == p.ecut && q.kmesh == p.kmesh && q.kshift == p.kshift && q.a != nil && q.a != p.a
    }

    /// The stored points that differ from `p` only in the lattice constant, nearest first.
    func lattice(of p: ScanPoint) -> [Entry] {
        guard let a = p.a else { return [] }
        return entries.values.filter { Self.onLatticeLine($0.point, p) }.sorted {
            abs($0.point.a! - a) != abs($1.point.a! - a) ? abs($0.point.a! - a) < abs($1.point.a! - a) : $0.point.id < $1.point.id
        }
    }

    /// The start of `p`: the nearest stored point, and when `p` has a lattice constant, a
    /// Lagrange extrapolation through up to three stored points that differ from it only in the
    /// lattice constant (the most that keeps every weight within `maximumWeight`).
    func start(for p: ScanPoint) -> Start? {
        guard let q = nearest(to: p) else { return nil }
        var sources = [(weight: 1.0, density: q.deformation)]
        if let a = p.a {
            let line = lattice(of: p)
            for m in stride(from: min(3, line.count), through: 2, by: -1) {
                let nodes = line.prefix(m).map { $0.point.a! }
                let w = Self.lagrangeWeights(nodes: nodes, at: a)
                if w.allSatisfy({ abs($0) <= Self.maximumWeight }) {
                    sources = zip(w, line.prefix(m)).map { (weight: $0, density: $1.deformation) }
                    break
                }
            }
        }
        return Start(from: q.point, sources: sources, orbitals: q.orbitals)
    }

    /// The assignment frame of `p` with its start (none when nothing is stored).
    func assignment(for p: ScanPoint) throws -> Data {
        guard let start = start(for: p) else { return try Frame.encode(Assignment(point: p)) }
        let header = Assignment(point: p, warmFrom: start.from.id, weights: start.sources.map(\.weight), orbitals: start.orbitals != nil)
        return try Frame.encode(header, blobs: start.sources.map { $0.density.encoded() } + [start.orbitals?.encoded()].compactMap { $0 })
    }

    /// Weights of the values at `nodes` in the interpolating polynomial's value at `x`.
    static func lagrangeWeights(nodes: [Double], at x: Double) -> [Double] {
        nodes.indices.map { i in
            nodes.indices.reduce(1.0) { w, j in j == i ? w : w * (x - nodes[j]) / (nodes[i] - nodes[j]) }
        }
    }
}
