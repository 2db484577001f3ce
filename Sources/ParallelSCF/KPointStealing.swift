import Bindings
import Numerics
import Parallel
import PlaneWave

/// `KPointSharing` between the single-rank pools of one node, in node-shared memory.
///
/// Each process works through its own k-points from the front of its list; one that has finished
/// takes the last not yet started k-point of the process with the most left, copies its published
/// orbitals, solves it and writes the result back into the owner's slot. A slot's state is claimed
/// with an atomic compare-and-exchange, so the owner and the others never both start it; what the
/// others take is always a tail of the owner's list. Only the back half of each list is published
/// (the owner surely does the front half itself), which keeps the copy at the start of a step
/// small against a k-point's solve. The eigenvalue sum that ends the step orders the
/// deliveries before the owners read them.
final class KPointStealing: KPointSharing {
    /// One process' list of k-points and where its slots sit in its segment.
    struct Owner {
        let kpoints: [Int]
        /// Index of the first published slot (the back half).
        let firstShared: Int
        /// Byte offsets of the published slots (index − firstShared), for the current capacity.
        var offsets: [Int] = []
        var bytes = 0
    }

    let node: Communicator
    let planeWaves: [Int]
    var owners: [Owner]
    let me: Int
    var segments: SharedSegments? = nil
    var capacity = 0
    var epoch: Int32 = 0
    var cursor = 0
    /// The step's band count (≤ capacity).
    var bandsNow = 0
    /// k → (owner's node rank, index in its list)
    let slotOf: [Int: (owner: Int, index: Int)]

    /// Flags: epoch·4 + state, states free, taken by the owner, taken by another, delivered.
    static let free: Int32 = 0, own: Int32 = 1, taken: Int32 = 2, delivered: Int32 = 3

    /// Called for every k-point this process takes from another.
    let onTake: () -> Void

    init(node: Communicator, lists: [[Int]], planeWaves: [Int], onTake: @escaping () -> Void = {}) {
        self.node = node
        self.onTake = onTake
        self.planeWaves = planeWaves
        me = node.rank
        owners = lists.map { Owner(kpoints: $0, firstShared: $0.count / 2) }
        var w: [Int: (owner: Int, index: Int)] = [:]
        for (o, list) in lists.enumerated() { for (i, k) in list.enumerated() { w[k] = (o, i) } }
        slotOf = w
    }

    // Segment layout: Int32 ready epoch, Int32 padding, Int32 flag per k-point of the list (padded
    // to 8 bytes), then per published slot: Int32 has-orbitals, Int32 padding, plane waves × capacity
    // complex coefficients, capacity ⟨V_NL⟩ values.
    func header(_ o: Int) -> Int { 8 + (owners[o].kpoints.count * 4 + 7) / 8 * 8 }

    func layOut(capacity c: Int) {
        for o in owners.indices {
            var offset = header(o)
            var offsets: [Int] = []
            for k in owners[o].kpoints[owners[o].firstShared...] {
                offsets.append(offset)
                offset += 8 + planeWaves[k] * c * 16 + c * 8
            }
            owners[o].offsets = offsets
            owners[o].bytes = offset
        }
    }

    func flag(_ o: Int, _ i: Int) -> UnsafeMutablePointer<Int32> {
        segments!.base(of: o).advanced(by: 8 + 4 * i).assumingMemoryBound(to: Int32.self)
    }

    func ready(_ o: Int) -> UnsafeMutablePointer<Int32> { segments!.base(of: o).assumingMemoryBound(to: Int32.self) }

    func slot(_ o: Int, _ i: Int) -> UnsafeMutableRawPointer {
        segments!.base(of: o).advanced(by: owners[o].offsets[i - owners[o].firstShared])
    }

    func begin(bands: Int, orbitals: (Int) -> ComplexMatrix?) throws {
        if bands > capacity {
            try segments?.free()
            capacity = bands
            layOut(capacity: bands)
            segments = try SharedSegments(node: node, bytes: owners[me].bytes)
        }
        epoch += 1
        cursor = 0
        let o = owners[me]
        for i in o.kpoints.indices {
            let k = o.kpoints[i]
            if i < o.firstShared { flag(me, i).pointee = epoch * 4 + Self.own; continue }
            let s = slot(me, i)
            let x = orbitals(k)
            s.assumingMemoryBound(to: Int32.self).pointee = x == nil ? 0 : 1
            if let x {
                precondition(x.rows == planeWaves[k] && x.cols == bands, "orbitals of k-point \(k) are \(x.rows)×\(x.cols)")
                x.storage.withUnsafeBytes { s.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: x.rows * x.cols * 16) }
            }
            SharedAtomic.store(flag(me, i), epoch * 4 + Self.free)
        }
        bandsNow = bands
        SharedAtomic.store(ready(me), epoch)
    }

    func nextOwn() -> Int? {
        let o = owners[me]
        guard cursor < o.kpoints.count else { return nil }
        let i = cursor
        cursor += 1
        if i < o.firstShared { return o.kpoints[i] }
        // others take a tail of the list: once one slot is theirs, so are all after it
        guard SharedAtomic.compareExchange(flag(me, i), epoch * 4 + Self.free, epoch * 4 + Self.own) else {
            cursor = o.kpoints.count
            return nil
        }
        return o.kpoints[i]
    }

    /// Slots still free in owner `o`'s list (0 if it has not started this step).
    func remaining(_ o: Int) -> Int {
        guard SharedAtomic.load(ready(o)) == epoch else { return 0 }
        var n = 0
        for i in stride(from: owners[o].kpoints.count - 1, through: owners[o].firstShared, by: -1) {
            let f = SharedAtomic.load(flag(o, i))
            if f == epoch * 4 + Self.own { break }
            if f == epoch * 4 + Self.free { n += 1 }
        }
        return n
    }

    func steal() -> (k: Int, orbitals: ComplexMatrix?)? {
        while true {
            let candidates = owners.indices.filter { $0 != me }.map { ($0, remaining($0)) }.filter { $0.1 > 0 }
            guard let (o, _) = candidates.max(by: { $0.1 < $1.1 }) else { return nil }
            for i in stride(from: owners[o].kpoints.count - 1, through: owners[o].firstShared, by: -1) {
                let f = SharedAtomic.load(flag(o, i))
                if f == epoch * 4 + Self.own { break }
                guard f == epoch * 4 + Self.free,
                      SharedAtomic.compareExchange(flag(o, i), f, epoch * 4 + Self.taken) else { continue }
                let k = owners[o].kpoints[i]
                let s = slot(o, i)
                onTake()
                guard s.assumingMemoryBound(to: Int32.self).pointee != 0 else { return (k, nil) }
                var x = ComplexMatrix(rows: planeWaves[k], cols: bandsNow)
                x.storage.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: s.advanced(by: 8), byteCount: x.rows * x.cols * 16) }
                return (k, x)
            }
            // lost every race for this owner's slots: look again
        }
    }

    func deliver(k: Int, orbitals x: ComplexMatrix, nonlocal: [Double]) {
        let (o, i) = slotOf[k]!
        let s = slot(o, i)
        precondition(x.rows == planeWaves[k] && x.cols == bandsNow)
        x.storage.withUnsafeBytes { s.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: x.rows * x.cols * 16) }
        nonlocal.withUnsafeBytes { s.advanced(by: 8 + planeWaves[k] * capacity * 16).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        SharedAtomic.store(flag(o, i), epoch * 4 + Self.delivered)
    }

    func collect() -> [(k: Int, orbitals: ComplexMatrix, nonlocal: [Double])] {
        var out: [(k: Int, orbitals: ComplexMatrix, nonlocal: [Double])] = []
        let o = owners[me]
        for i in o.firstShared..<o.kpoints.count where SharedAtomic.load(flag(me, i)) == epoch * 4 + Self.delivered {
            let k = o.kpoints[i]
            let s = slot(me, i)
            var x = ComplexMatrix(rows: planeWaves[k], cols: bandsNow)
            x.storage.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: s.advanced(by: 8), byteCount: x.rows * x.cols * 16) }
            let v = s.advanced(by: 8 + planeWaves[k] * capacity * 16).assumingMemoryBound(to: Double.self)
            out.append((k, x, Array(UnsafeBufferPointer(start: v, count: bandsNow))))
        }
        return out
    }

    func end() throws {
        try segments?.free()
        segments = nil
    }
}
