import Bindings
import Foundation
import Numerics
import Parallel
import Testing

/// MPI in the test process: initialised once, lazily, never finalised (a singleton, 1 rank).
enum TestMPI {
    static let world: Communicator = {
        MPIRuntime.initialize()
        return Communicator.world
    }()
}

extension Bindings {
    @Suite struct InProcessMPI {
        @Test func singletonCollectives() throws {
            let world = TestMPI.world
            #expect(world.size == 1 && world.rank == 0)
            #expect(try world.allreduce(2.5) == 2.5)
            #expect(try world.gather(3.0) == [3.0])
            #expect(try world.gather("node") == ["node"])
            #expect(try world.broadcast("hello") == "hello")
            let split = try world.split(color: 0, key: 0)
            #expect(split.size == 1)
            #expect(!MPIRuntime.processorName.isEmpty)
        }

        @Test func scalapackOn1x1GridMatchesLAPACK() throws {
            let n = 70
            let element = { (i: Int, j: Int) -> Complex64 in
                if i == j { return Complex64(Double(i % 11) - 5, 0) }
                let z = sample(min(i, j), max(i, j), seed: 6)
                return i < j ? z : z.conjugate
            }
            let grid = BLACSGrid(communicator: TestMPI.world)
            #expect(grid.rows == 1 && grid.cols == 1)
            var a = DistributedMatrix(grid: grid, n: n, blockSize: 16)
            a.fill(element)
            let (values, vectors) = try a.eigen()
            let reference = try hermitianEigen(ComplexMatrix(rows: n, cols: n, element), vectors: false).values
            #expect(zip(values, reference).map { abs($0 - $1) }.max()! < 1e-10)
            // on one rank the local block is the whole matrix: check A z₀ = λ₀ z₀
            let z0 = (0..<n).map { vectors.local[$0] }
            for i in 0..<n {
                let az = (0..<n).reduce(Complex64.zero) { $0 + element(i, $1) * z0[$1] }
                #expect((az - z0[i] * Complex64(values[0], 0)).length < 1e-10)
            }
        }

        @Test func slabFFTOnOneRankMatchesSerialFFT() {
            let n = 8
            let slab = SlabFFT(n, n, n, communicator: TestMPI.world)
            let serial = FFT3D(n, n, n, measure: false)
            #expect(slab.localStart == 0 && slab.localCount == n)
            for i in 0..<serial.count {
                serial.buffer[i] = sample(i, 1, seed: 7)
                slab.buffer[i] = serial.buffer[i]
            }
            serial.forward()
            slab.forward()
            #expect(zip(slab.buffer, serial.buffer).map { ($0 - $1).length }.max()! < 1e-12)
        }
    }
}
