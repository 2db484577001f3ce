import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

/// Peak resident memory of this process since the last reset (VmHWM), in MiB.
public enum PeakMemory {
    public static func reset() {
        // "5" resets the peak RSS (Linux ≥ 4.0); harmless where unsupported
        if let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") { h.write(Data("5".utf8)); try? h.close() }
    }

    public static func mebibytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 2, let kB = Double(f[1]) { return kB / 1024 }
        }
        return nil
    }
}
