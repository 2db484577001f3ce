import Input
import Foundation
import Parallel

/// Memory: MemAvailable from /proc/meminfo against what a run needs on this node.
struct MemoryCheck: DoctorCheck {
    let name = "memory"
    let limit: ByteCount

    func run(on comm: Communicator) throws -> DoctorResult {
        guard let available = NodeMemory.available() else {
            return warn("unknown", "cannot read MemAvailable from /proc/meminfo; make sure \(limit) are free")
        }
        let value = "\(available) available (limit \(limit))"
        guard available >= limit else {
            return fail(value, "less memory than --memory-limit \(limit): free memory, use more nodes, or lower the limit")
        }
        return pass(value)
    }
}

/// The memory of this node that a run can use.
public enum NodeMemory {
    /// MemAvailable in bytes (the kernel's estimate of memory usable without swapping).
    public static func available() -> ByteCount? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kB = Int64(fields[1]) else { return nil }
            return ByteCount(bytes: kB * 1024)
        }
        return nil
    }
}
