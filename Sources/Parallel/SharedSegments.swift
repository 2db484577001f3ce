import CMPI

/// Memory shared by the processes of one node: each has a segment of its own size that all of them
/// can read and write (`MPI_Win_allocate_shared` on the node's communicator). Creating and `free`
/// are collective over `node`; access is synchronised by the caller (atomics below, or a collective).
public final class SharedSegments {
    public let node: Communicator
    private var window: MPI_Win?
    private let bases: [UnsafeMutableRawPointer?]
    public let sizes: [Int]

    /// Collective over `node`: this process' segment has `bytes` bytes.
    public init(node: Communicator, bytes: Int) throws {
        self.node = node
        var base: UnsafeMutableRawPointer? = nil
        var win: MPI_Win? = nil
        try withUnsafeMutablePointer(to: &base) { p in
            try check(MPI_Win_allocate_shared(MPI_Aint(max(bytes, 8)), 8, PCMPI_INFO_NULL, node.handle, p, &win),
                      "MPI_Win_allocate_shared")
        }
        window = win
        var b: [UnsafeMutableRawPointer?] = [], s: [Int] = []
        for r in 0..<node.size {
            var size: MPI_Aint = 0, unit: Int32 = 0
            var ptr: UnsafeMutableRawPointer? = nil
            try withUnsafeMutablePointer(to: &ptr) { p in
                try check(MPI_Win_shared_query(win, Int32(r), &size, &unit, p), "MPI_Win_shared_query")
            }
            b.append(ptr); s.append(Int(size))
        }
        bases = b
        sizes = s
    }

    /// Start of process `rank`'s segment (rank in `node`).
    public func base(of rank: Int) -> UnsafeMutableRawPointer { bases[rank]! }

    /// Collective over `node`.
    public func free() throws {
        guard window != nil else { return }
        try check(MPI_Win_free(&window), "MPI_Win_free")
        window = nil
    }
}

extension Communicator {
    /// The processes of this communicator that share memory with this one (same node).
    public func splitShared() throws -> Communicator {
        var new: MPI_Comm? = nil
        try check(MPI_Comm_split_type(handle, PCMPI_COMM_TYPE_SHARED, Int32(rank), PCMPI_INFO_NULL, &new), "MPI_Comm_split_type")
        return Communicator(handle: new!, owned: true)
    }
}

/// Atomic access to an `Int32` in shared memory.
public enum SharedAtomic {
    /// Replaces `expected` by `desired`; false if the value was something else.
    @inline(__always) public static func compareExchange(_ p: UnsafeMutablePointer<Int32>, _ expected: Int32, _ desired: Int32) -> Bool {
        pcmpi_compare_exchange32(p, expected, desired) != 0
    }
    @inline(__always) public static func load(_ p: UnsafeMutablePointer<Int32>) -> Int32 { pcmpi_load_acquire32(p) }
    @inline(__always) public static func store(_ p: UnsafeMutablePointer<Int32>, _ v: Int32) { pcmpi_store_release32(p, v) }
}
