import Bindings
import Foundation
import Numerics
import PlaneWave

/// Converged orbitals kept for warm starts: per irreducible k-point (× spin channel) its reduced
/// coordinates, spin channel (0 up or unpolarised, 1 down), the Miller indices of its plane waves
/// and the coefficients (plane waves × bands).
public struct StoredOrbitals: Sendable {
    public struct KBlock: Sendable {
        public var k: SIMD3<Double>
        public var spin = 0
        public var millers: [SIMD3<Int32>]
        public var coefficients: ComplexMatrix
    }
    public var blocks: [KBlock]

    public init(blocks: [KBlock]) { self.blocks = blocks }

    public init(basis: PlaneWaveBasis, orbitals: [Int: ComplexMatrix]) {
        blocks = orbitals.keys.sorted().map { k in
            KBlock(k: basis.kpoints[k].kpoint.reduced, spin: basis.kpoints[k].spin, millers: basis.kpoints[k].millers,
                   coefficients: orbitals[k]!)
        }
    }

    /// Start orbitals for the k-points of `basis` whose reduced coordinates (and spin channel) are
    /// stored; a spin-polarised basis started from unpolarised orbitals takes them for both channels:
    /// coefficients
    /// matched by Miller index (reduced coordinates, so another cutoff or lattice constant maps
    /// plane wave to plane wave); plane waves the store lacks start at zero.
    public func mapped(onto basis: PlaneWaveBasis) -> [Int: ComplexMatrix] {
        var out: [Int: ComplexMatrix] = [:]
        for (k, kb) in basis.kpoints.enumerated() {
            let atK = blocks.filter { (($0.k - kb.kpoint.reduced) * ($0.k - kb.kpoint.reduced)).sum() < 1e-18 }
            guard let block = atK.first(where: { $0.spin == kb.spin }) ?? atK.first(where: { $0.spin == 0 }) else { continue }
            var index: [SIMD3<Int32>: Int] = [:]
            for (i, m) in block.millers.enumerated() { index[m] = i }
            let old = block.coefficients
            out[k] = ComplexMatrix(rows: kb.count, cols: old.cols) { g, n in index[kb.millers[g]].map { old[$0, n] } ?? .zero }
        }
        return out
    }

    // MARK: wire format: Int64 count, then per block 3 doubles k, Int64 spin, Int64 plane waves, Int64 bands,
    // 3 Int32 per Miller index, 2 doubles per coefficient

    public func encoded() -> Data {
        var w = WireWriter()
        w.int(blocks.count)
        for b in blocks {
            w.doubles([b.k.x, b.k.y, b.k.z])
            w.int(b.spin)
            w.int(b.millers.count); w.int(b.coefficients.cols)
            var m = b.millers.flatMap { [$0.x, $0.y, $0.z] }
            w.data.append(Data(bytes: &m, count: 4 * m.count))
            b.coefficients.storage.withUnsafeBytes { w.data.append(contentsOf: $0.prefix(16 * b.millers.count * b.coefficients.cols)) }
        }
        return w.data
    }

    public init?(encoded d: Data) {
        var r = WireReader(d)
        guard let n = r.int(), n >= 0, n < 1 << 20 else { return nil }
        var blocks: [KBlock] = []
        for _ in 0..<n {
            guard let k = r.doubles(3), let spin = r.int(), spin == 0 || spin == 1, let npw = r.int(), let nb = r.int(), npw >= 0, nb >= 0,
                  let mraw = r.bytes(12 * npw), let craw = r.bytes(16 * npw * nb) else { return nil }
            let m: [Int32] = mraw.withUnsafeBytes { raw in (0..<(3 * npw)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self) } }
            var c = ComplexMatrix(rows: npw, cols: nb)
            c.storage.withUnsafeMutableBytes { dst in craw.withUnsafeBytes { dst.copyMemory(from: $0) } }
            blocks.append(KBlock(k: SIMD3(k[0], k[1], k[2]), spin: spin, millers: (0..<npw).map { SIMD3(m[3 * $0], m[3 * $0 + 1], m[3 * $0 + 2]) },
                                 coefficients: c))
        }
        guard r.atEnd else { return nil }
        self.blocks = blocks
    }
}

/// Little-endian binary messages (the machines of one MPI job share the byte order).
public struct WireWriter {
    public var data = Data()
    public init() {}
    public mutating func int(_ v: Int) { var x = Int64(v); data.append(Data(bytes: &x, count: 8)) }
    public mutating func doubles(_ v: [Double]) { v.withUnsafeBytes { data.append(contentsOf: $0) } }
}

public struct WireReader {
    let bytes: [UInt8]
    public var offset = 0
    public init(_ d: Data) { bytes = [UInt8](d) }
    public var atEnd: Bool { offset == bytes.count }

    public mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, offset + n <= bytes.count else { return nil }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }
    public mutating func int() -> Int? {
        bytes(8).map { s in Int(s.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }) }
    }
    public mutating func doubles(_ n: Int) -> [Double]? {
        bytes(8 * n).map { s in s.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } } }
    }
}
