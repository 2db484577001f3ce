import CMPI
import Foundation

/// An MPI error turned into a Swift error.
public struct MPIError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public var description: String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var len: Int32 = 0
        MPI_Error_string(code, &buf, &len)
        return "\(call) failed: \(string(fromCBuffer: buf))"
    }
}

@inline(__always) func check(_ code: Int32, _ call: @autoclosure () -> String) throws {
    if code != MPI_SUCCESS { throw MPIError(call: call(), code: code) }
}

/// Process-wide MPI state: initialised once (lazily), finalised once.
public enum MPIRuntime {
    nonisolated(unsafe) private static var didInit = false
    /// Wall seconds MPI_Init_thread took in this process (0 if MPI was initialised elsewhere).
    nonisolated(unsafe) public private(set) static var initSeconds = 0.0

    /// Calls MPI_Init_thread (FUNNELED) unless MPI is already initialised; errors return instead of aborting.
    public static func initialize() {
        if didInit { return }
        didInit = true
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        if flag == 0 {
            var provided: Int32 = 0
            let start = DispatchTime.now().uptimeNanoseconds
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
            initSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            // Open MPI 4.1/PMIx 4.2 send MPI_Finalize's fence over TCP with Nagle's algorithm on: it
            // waits for the server's delayed ACK (README Performance gives the cost).
            _ = pcmpi_tcp_nodelay_all()
        }
        MPI_Comm_set_errhandler(PCMPI_COMM_WORLD, PCMPI_ERRORS_RETURN)
    }

    /// MPI_Finalize, once, if MPI was initialised and not yet finalised.
    public static func finalize() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }

    public static var processorName: String {
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var len: Int32 = 0
        MPI_Get_processor_name(&name, &len)
        return string(fromCBuffer: name)
    }

    public static var libraryVersion: String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var len: Int32 = 0
        MPI_Get_library_version(&buf, &len)
        return string(fromCBuffer: buf).split(separator: ",").first.map(String.init) ?? ""
    }
}

/// An MPI communicator: rank, size, split, collectives. Errors become `MPIError`s.
public final class Communicator: @unchecked Sendable {
    public let handle: MPI_Comm
    public let rank: Int
    public let size: Int
    private let owned: Bool

    public init(handle: MPI_Comm, owned: Bool = false) {
        self.handle = handle
        self.owned = owned
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(handle, &r)
        MPI_Comm_size(handle, &s)
        rank = Int(r)
        size = Int(s)
    }

    deinit {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if owned && finalized == 0 { var h: MPI_Comm? = handle; MPI_Comm_free(&h) }
    }

    /// MPI_COMM_WORLD (initialises MPI on first use).
    public static var world: Communicator {
        MPIRuntime.initialize()
        return Communicator(handle: PCMPI_COMM_WORLD)
    }

    public var isRoot: Bool { rank == 0 }

    /// Ranks with the same `color` form a new communicator, ordered by `key`.
    public func split(color: Int, key: Int) throws -> Communicator {
        var new: MPI_Comm? = nil
        try check(MPI_Comm_split(handle, Int32(color), Int32(key), &new), "MPI_Comm_split")
        return Communicator(handle: new!, owned: true)
    }

    public func barrier() throws { try check(MPI_Barrier(handle), "MPI_Barrier") }

    /// Aborts every rank of the communicator with `code`.
    public func abort(_ code: Int32) -> Never {
        MPI_Abort(handle, code)
        exit(code)
    }

    // MARK: collectives on Double

    public enum Reduction { case sum, max, min
        var op: MPI_Op { switch self { case .sum: PCMPI_SUM; case .max: PCMPI_MAX; case .min: PCMPI_MIN } }
    }

    /// In-place allreduce of doubles.
    public func allreduce(_ values: inout [Double], _ op: Reduction = .sum) throws {
        if size == 1 || values.isEmpty { return }
        let n = Int32(values.count)
        try values.withUnsafeMutableBufferPointer { p in
            try check(MPI_Allreduce(PCMPI_IN_PLACE, p.baseAddress, n, PCMPI_DOUBLE, op.op, handle), "MPI_Allreduce")
        }
    }

    public func allreduce(_ value: Double, _ op: Reduction = .sum) throws -> Double {
        var v = [value]
        try allreduce(&v, op)
        return v[0]
    }

    /// In-place allreduce of raw doubles (for buffers the caller owns, e.g. complex arrays).
    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ op: Reduction = .sum) throws {
        if size == 1 || buffer.isEmpty { return }
        try check(MPI_Allreduce(PCMPI_IN_PLACE, buffer.baseAddress, Int32(buffer.count), PCMPI_DOUBLE, op.op, handle),
                  "MPI_Allreduce")
    }

    public func allreduce(_ values: inout [Int], _ op: Reduction = .sum) throws {
        if size == 1 || values.isEmpty { return }
        var v = values.map { Int64($0) }
        try v.withUnsafeMutableBufferPointer { p in
            try check(MPI_Allreduce(PCMPI_IN_PLACE, p.baseAddress, Int32(p.count), PCMPI_INT64, op.op, handle), "MPI_Allreduce")
        }
        values = v.map { Int($0) }
    }

    /// All-to-all exchange of doubles (MPI_Alltoallv): `sendCounts[r]` values go to rank r, taken in
    /// rank order from `send`; `recvCounts[r]` values come from rank r, stored in rank order in `recv`.
    public func alltoallv(_ send: UnsafeBufferPointer<Double>, counts sendCounts: [Int],
                          _ recv: UnsafeMutableBufferPointer<Double>, counts recvCounts: [Int]) throws {
        precondition(sendCounts.count == size && recvCounts.count == size)
        precondition(sendCounts.reduce(0, +) <= send.count && recvCounts.reduce(0, +) <= recv.count)
        func offsets(_ counts: [Int]) throws -> (counts: [Int32], displacements: [Int32]) {
            var d = [Int32](repeating: 0, count: size), at = 0
            for r in 0..<size { d[r] = Int32(at); at += counts[r] }
            guard at <= Int(Int32.max) else { throw MPIError(call: "MPI_Alltoallv of \(at) values (above MPI's 32-bit counts)", code: MPI_ERR_COUNT) }
            return (counts.map { Int32($0) }, d)
        }
        var (sc, sd) = try offsets(sendCounts), (rc, rd) = try offsets(recvCounts)
        try check(MPI_Alltoallv(send.baseAddress, &sc, &sd, PCMPI_DOUBLE, recv.baseAddress, &rc, &rd, PCMPI_DOUBLE, handle),
                  "MPI_Alltoallv")
    }

    /// MPI_Allgatherv of doubles: rank r contributes `part` (`counts[r]` values); every rank receives
    /// all parts in rank order.
    public func allgatherv(_ part: [Double], counts: [Int]) throws -> [Double] {
        precondition(counts.count == size && counts[rank] == part.count, "allgatherv: this rank's count")
        let total = counts.reduce(0, +)
        guard total <= Int(Int32.max) else { throw MPIError(call: "MPI_Allgatherv of \(total) values (above MPI's 32-bit counts)", code: MPI_ERR_COUNT) }
        if size == 1 { return part }
        var rc = counts.map { Int32($0) }, rd = [Int32](repeating: 0, count: size)
        for r in 1..<size { rd[r] = rd[r - 1] + rc[r - 1] }
        var all = [Double](repeating: 0, count: total)
        try part.withUnsafeBufferPointer { p in
            try all.withUnsafeMutableBufferPointer { a in
                try check(MPI_Allgatherv(p.baseAddress, Int32(p.count), PCMPI_DOUBLE, a.baseAddress, &rc, &rd, PCMPI_DOUBLE, handle),
                          "MPI_Allgatherv")
            }
        }
        return all
    }

    /// Broadcast of doubles from `root`; every rank must pass an array of the same length.
    public func broadcast(_ values: inout [Double], root: Int = 0) throws {
        if size == 1 || values.isEmpty { return }
        try values.withUnsafeMutableBufferPointer { p in
            try check(MPI_Bcast(p.baseAddress, Int32(p.count), PCMPI_DOUBLE, Int32(root), handle), "MPI_Bcast")
        }
    }

    /// Broadcast of arbitrary bytes from `root` (length is sent first).
    public func broadcast(_ data: Data, root: Int = 0) throws -> Data {
        if size == 1 { return data }
        var len: [Int64] = [Int64(rank == root ? data.count : 0)]
        try check(MPI_Bcast(&len, 1, PCMPI_INT64, Int32(root), handle), "MPI_Bcast")
        var bytes = [UInt8](repeating: 0, count: Int(len[0]))
        if rank == root { bytes = [UInt8](data) }
        if !bytes.isEmpty {
            try check(MPI_Bcast(&bytes, Int32(bytes.count), PCMPI_BYTE, Int32(root), handle), "MPI_Bcast")
        }
        return Data(bytes)
    }

    public func broadcast(_ string: String, root: Int = 0) throws -> String {
        String(decoding: try broadcast(Data(string.utf8), root: root), as: UTF8.self)
    }

    /// Gathers one double from each rank on `root` (nil elsewhere).
    public func gather(_ value: Double, root: Int = 0) throws -> [Double]? {
        var send = value
        var recv = [Double](repeating: 0, count: rank == root ? size : 1)
        try check(MPI_Gather(&send, 1, PCMPI_DOUBLE, &recv, 1, PCMPI_DOUBLE, Int32(root), handle), "MPI_Gather")
        return rank == root ? recv : nil
    }

    /// Gathers variable-length byte blobs on `root` (MPI_Gatherv); nil elsewhere.
    public func gatherv(_ data: Data, root: Int = 0) throws -> [Data]? {
        var mine = Int32(data.count)
        var counts = [Int32](repeating: 0, count: size)
        try check(MPI_Gather(&mine, 1, PCMPI_INT32, &counts, 1, PCMPI_INT32, Int32(root), handle), "MPI_Gather")
        var displs = [Int32](repeating: 0, count: size)
        if rank == root { for i in 1..<max(1, size) { displs[i] = displs[i - 1] + counts[i - 1] } }
        let total = rank == root ? Int(counts.reduce(0, +)) : 0
        var recv = [UInt8](repeating: 0, count: max(1, total))
        var send = [UInt8](data)
        if send.isEmpty { send = [0] }
        try check(MPI_Gatherv(&send, mine, PCMPI_BYTE, &recv, &counts, &displs, PCMPI_BYTE, Int32(root), handle),
                  "MPI_Gatherv")
        guard rank == root else { return nil }
        return (0..<size).map { i in Data(recv[Int(displs[i])..<Int(displs[i] + counts[i])]) }
    }

    /// Gathers strings on `root` (nil elsewhere).
    public func gather(_ string: String, root: Int = 0) throws -> [String]? {
        try gatherv(Data(string.utf8), root: root)?.map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: point to point (bytes), for dynamic work distribution

    public func send(_ data: Data, to dest: Int, tag: Int) throws {
        var len = [Int64(data.count)]
        try check(MPI_Send(&len, 1, PCMPI_INT64, Int32(dest), Int32(tag), handle), "MPI_Send")
        if data.isEmpty { return }
        var bytes = [UInt8](data)
        try check(MPI_Send(&bytes, Int32(bytes.count), PCMPI_BYTE, Int32(dest), Int32(tag), handle), "MPI_Send")
    }

    /// Receives a message sent with `send` from `source` (or any source when nil); returns it and its sender.
    public func receive(from source: Int? = nil, tag: Int) throws -> (data: Data, source: Int) {
        var len = [Int64(0)]
        var status = MPI_Status()
        try check(MPI_Recv(&len, 1, PCMPI_INT64, Int32(source ?? Int(PCMPI_ANY_SOURCE)), Int32(tag), handle, &status), "MPI_Recv")
        let from = Int(status.MPI_SOURCE)
        if len[0] == 0 { return (Data(), from) }
        var bytes = [UInt8](repeating: 0, count: Int(len[0]))
        try check(MPI_Recv(&bytes, Int32(bytes.count), PCMPI_BYTE, Int32(from), Int32(tag), handle, PCMPI_STATUS_IGNORE), "MPI_Recv")
        return (Data(bytes), from)
    }
}

/// A Swift string from a NUL-terminated C character buffer.
func string(fromCBuffer buf: [CChar]) -> String {
    let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
