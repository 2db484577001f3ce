import Bindings
import Foundation
import Numerics

/// A converged density kept for warm starts: values on an FFT grid (row-major, last index
/// fastest) of a cell of the given volume, in electrons/bohr³.
public struct StoredDensity: Sendable {
    public let grid: [Int]
    public let volume: Double
    public let values: [Double]

    public init(grid: [Int], volume: Double, values: [Double]) {
        self.grid = grid; self.volume = volume; self.values = values
    }

    /// The density as a start for a point with another FFT grid and cell volume: Fourier
    /// components common to both grids are kept (reduced coordinates, so a rescaled cell keeps its
    /// shape), the rest are zero; the result is made non-negative and renormalised to `electrons`.
    public func transferred(to newGrid: [Int], volume newVolume: Double, electrons: Int) -> [Double] {
        var rho: [Double]
        if newGrid == grid {
            rho = values
        } else {
            let old = FFT3D(grid[0], grid[1], grid[2], measure: false)
            for i in 0..<values.count { old.buffer[i] = Complex64(values[i], 0) }
            old.forward()
            let new = FFT3D(newGrid[0], newGrid[1], newGrid[2], measure: false)
            new.buffer.update(repeating: .zero)
            // frequencies strictly inside both grids' Nyquist limits
            func limit(_ n: Int) -> Int { (n - 1) / 2 }
            let lim = (0..<3).map { min(limit(grid[$0]), limit(newGrid[$0])) }
            let scale = 1.0 / Double(values.count)
            for a in -lim[0]...lim[0] { for b in -lim[1]...lim[1] { for c in -lim[2]...lim[2] {
                let io = (wrap(a, grid[0]) * grid[1] + wrap(b, grid[1])) * grid[2] + wrap(c, grid[2])
                let inew = (wrap(a, newGrid[0]) * newGrid[1] + wrap(b, newGrid[1])) * newGrid[2] + wrap(c, newGrid[2])
                new.buffer[inew] = old.buffer[io] * scale
            } } }
            new.backward()
            rho = (0..<new.count).map { new.buffer[$0].real }
        }
        for i in 0..<rho.count where rho[i] < 1e-12 { rho[i] = 1e-12 }
        let total = rho.reduce(0, +) * newVolume / Double(rho.count)
        if total > 0 { let f = Double(electrons) / total; for i in 0..<rho.count { rho[i] *= f } }
        return rho
    }

    private func wrap(_ m: Int, _ n: Int) -> Int { (m % n + n) % n }

    // MARK: wire format (header of 4 Int64 + doubles)

    public func encoded() -> Data {
        var d = Data()
        var header: [Int64] = [Int64(grid[0]), Int64(grid[1]), Int64(grid[2]), Int64(values.count)]
        d.append(Data(bytes: &header, count: 32))
        var v = volume
        d.append(Data(bytes: &v, count: 8))
        values.withUnsafeBytes { d.append(contentsOf: $0) }
        return d
    }

    public init?(encoded d: Data) {
        guard d.count >= 40 else { return nil }
        let bytes = [UInt8](d)
        let header: [Int64] = bytes.withUnsafeBytes { raw in (0..<4).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) } }
        let n = Int(header[3])
        guard n >= 0, d.count == 40 + 8 * n, Int(header[0] * header[1] * header[2]) == n else { return nil }
        volume = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 32, as: Double.self) }
        values = bytes.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: 40 + 8 * $0, as: Double.self) } }
        grid = [Int(header[0]), Int(header[1]), Int(header[2])]
    }
}
