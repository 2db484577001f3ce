import Foundation
import Bindings
import Parallel

// The eigensolver's blocks (plane waves × bands, ~0.5 MB at 25 Ha) and the grid fields are above
// glibc's default mmap threshold, so each one was fresh pages: page faults and zeroing were 7 % of
// an SCF. Keeping them on the heap made the GaAs engine benchmark 5 % faster at the same peak RSS.
// mallopt(3) is not in Swift's Glibc module; M_TRIM_THRESHOLD = −1, M_MMAP_THRESHOLD = −3 (malloc.h).
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    _ = mallopt(-3, 32 << 20)
    _ = mallopt(-1, 8 << 20)
}

// OpenBLAS's own choice of kernels is kept unless it fell back to the generic ones (BLASKernels).
BLASKernels.reexecWithBetterKernels()

// MPI is initialised once here and finalised once below, whatever the command's outcome.
MPIRuntime.initialize()
var wisdom = WisdomCache()
wisdom.load()
let status = Launcher.run(Array(CommandLine.arguments.dropFirst()), world: Communicator.world)
if Communicator.world.rank == 0 { wisdom.save() }
MPIRuntime.finalize()
exit(status)
