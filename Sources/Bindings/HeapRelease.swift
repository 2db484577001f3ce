import Foundation

/// Gives the free pages inside glibc's heap back to the system (malloc_trim(3) with pad 0: free
/// chunks spanning whole pages are discarded with MADV_DONTNEED, the top of the heap is returned).
/// The program keeps large blocks and the heap's free top resident (main.swift's mallopt); this
/// releases them where a phase ends whose blocks are not needed again (e.g. the SCF before forces).
/// malloc_trim is not in Swift's Glibc module; it is looked up once (absent: nothing happens).
public enum HeapRelease {
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// Returns the heap's free pages to the system.
    public static func freePages() { _ = trim?(0) }
}
