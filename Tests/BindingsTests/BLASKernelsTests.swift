import Bindings
import Testing

/// OpenBLAS's generic kernels are replaced only when it fell back to them on a CPU with better ones.
@Suite struct BLASKernelsTests {
    static let avx512 = Set(["avx2", "fma", "avx512f", "avx512bw", "avx512vl"])

    @Test func replacementFollowsTheCPUFlags() {
        #expect(BLASKernels.replacement(core: "Prescott", flags: Self.avx512.union(["avx512_bf16"])) == "Cooperlake")
        #expect(BLASKernels.replacement(core: "Prescott", flags: Self.avx512) == "SkylakeX")
        #expect(BLASKernels.replacement(core: "Prescott", flags: ["avx2", "fma", "avx"]) == "Haswell")
        #expect(BLASKernels.replacement(core: "Prescott", flags: ["sse3", "avx"]) == nil)
        #expect(BLASKernels.replacement(core: "Prescott", flags: []) == nil)
    }

    @Test func ownChoiceStands() {
        #expect(BLASKernels.replacement(core: "Haswell", flags: Self.avx512) == nil)
        #expect(BLASKernels.replacement(core: "Zen", flags: Self.avx512) == nil)
    }

    /// In the test process (no re-exec) the library's own choice, whatever it is, is a known name.
    @Test func coreIsNamed() {
        #expect(!BLASKernels.core.isEmpty)
        #if arch(x86_64)
        #expect(BLASKernels.cpuFlags.contains("sse2"), "no x86 flags line in /proc/cpuinfo")
        #endif
    }
}
