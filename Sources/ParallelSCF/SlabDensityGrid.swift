import Bindings
import Numerics
import Parallel
import PlaneWave

/// The engine's `DensitySlabs` over an MPI group: FFTW-MPI's slab layout of the density grid (whole
/// planes of the first axis per rank, `SlabFFT`), sums and gathers over the group.
final class SlabDensityGrid: DensitySlabs {
    let group: Communicator
    let fft: SlabFFT
    let points: Range<Int>
    let planes: [Int]
    /// Points of every rank, in rank order (for the gather).
    let counts: [Int]

    /// Collective over `group`.
    init(group: Communicator, size: [Int]) throws {
        self.group = group
        fft = SlabFFT(size[0], size[1], size[2], communicator: group)
        let plane = size[1] * size[2]
        points = fft.localStart * plane ..< (fft.localStart + fft.localCount) * plane
        var all = [Int](repeating: 0, count: group.size)
        all[group.rank] = fft.localCount
        try group.allreduce(&all)
        planes = all
        counts = all.map { $0 * plane }
    }

    func sum(_ values: inout [Double]) throws { try group.allreduce(&values) }

    func gather(_ part: [Double]) throws -> [Double] { try group.allgatherv(part, counts: counts) }

    func fourier(_ part: [Double]) throws -> [Complex64] {
        precondition(part.count == points.count, "fourier: this rank's points")
        let buffer = fft.buffer
        for i in part.indices { buffer[i] = Complex64(part[i], 0) }
        fft.forward()
        let scale = 1 / Double(fft.n.0 * fft.n.1 * fft.n.2)
        return part.indices.map { buffer[$0] * scale }
    }

    func real(_ coefficients: [Complex64]) throws -> [Double] {
        precondition(coefficients.count == points.count, "real: this rank's points")
        let buffer = fft.buffer
        for i in coefficients.indices { buffer[i] = coefficients[i] }
        fft.backward()
        return coefficients.indices.map { buffer[$0].real }
    }
}
