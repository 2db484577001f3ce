import Foundation
import Bindings
import Parallel

// The eigensolver's blocks and the grid fields are above glibc's default mmap threshold, so each
// allocation would be fresh pages, faulted in and zeroed every SCF step: they are kept on the heap
// (see README Performance), and so is the free space at its top, where the SCF keeps the blocks of
// one k-point's eigensolver between k-points (the kept orbitals stay below: `SCF.keepOrbitals`).
// mallopt(3) is not in Swift's Glibc module; M_TRIM_THRESHOLD = −1, M_MMAP_THRESHOLD = −3 (malloc.h).
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    _ = mallopt(-3, 32 << 20)
    _ = mallopt(-1, 256 << 20)
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
