import Bindings
import Foundation
import Numerics

/// A converged density kept for warm starts: values on an FFT grid (row-major, last index
/// fastest) of a cell of the given volume, in electrons/bohr³. Spin-polarised, the values are
/// (ρ, m) one after the other (`SCFResult.density`), each a full grid: `channels` = 2.
public struct StoredDensity: Sendable {
    public let grid: [Int]
    public let volume: Double
    public let values: [Double]
    /// 1, or 2 for (ρ, m) of a spin-polarised state.
    public var channels: Int { values.count / max(1, grid.reduce(1, *)) }

    public init(grid: [Int], volume: Double, values: [Double]) {
        self.grid = grid; self.volume = volume; self.values = values
    }

    /// The density as a start for a point with another FFT grid and cell volume: Fourier
    /// components common to both grids are kept (reduced coordinates, so a rescaled cell keeps its
    /// shape), the rest are zero; ρ is made non-negative and renormalised to `electrons`.
    /// Spin-polarised, m is scaled with ρ and kept within |m| ≤ ρ.
    public func transferred(to newGrid: [Int], volume newVolume: Double, electrons: Int) -> [Double] {
        var all = resampled(to: newGrid)
        let n = newGrid.reduce(1, *)
        for i in 0..<n where all[i] < 1e-12 { all[i] = 1e-12 }
        let total = all[0..<n].reduce(0, +) * newVolume / Double(n)
        let f = total > 0 ? Double(electrons) / total : 1
        for i in 0..<all.count { all[i] *= f }
        if all.count == 2 * n {
            for i in 0..<n { all[n + i] = max(-all[i], min(all[i], all[n + i])) }
        }
        return all
    }

    /// The values on another grid of the same cell (reduced coordinates): the Fourier components
    /// common to both grids, the others zero; each channel alone. Linear; the same values when the
    /// grid is the same.
    public func resampled(to newGrid: [Int]) -> [Double] {
        if newGrid == grid { return values }
        let n = grid.reduce(1, *)
        return (0..<channels).flatMap { c in Self.resample(Array(values[(c * n)..<((c + 1) * n)]), from: grid, to: newGrid) }
    }

    static func resample(_ values: [Double], from grid: [Int], to newGrid: [Int]) -> [Double] {
        let old = FFT3D(grid[0], grid[1], grid[2], measure: false)
        for i in 0..<values.count { old.buffer[i] = Complex64(values[i], 0) }
        old.forward()
        let new = FFT3D(newGrid[0], newGrid[1], newGrid[2], measure: false)
        new.buffer.update(repeating: .zero)
        // frequencies strictly inside both grids' Nyquist limits
        func limit(_ n: Int) -> Int { (n - 1) / 2 }
        func wrap(_ m: Int, _ n: Int) -> Int { (m % n + n) % n }
        let lim = (0..<3).map { min(limit(grid[$0]), limit(newGrid[$0])) }
        let scale = 1.0 / Double(values.count)
        for a in -lim[0]...lim[0] { for b in -lim[1]...lim[1] { for c in -lim[2]...lim[2] {
            let io = (wrap(a, grid[0]) * grid[1] + wrap(b, grid[1])) * grid[2] + wrap(c, grid[2])
            let inew = (wrap(a, newGrid[0]) * newGrid[1] + wrap(b, newGrid[1])) * newGrid[2] + wrap(c, newGrid[2])
            new.buffer[inew] = old.buffer[io] * scale
        } } }
        new.backward()
        return (0..<new.count).map { new.buffer[$0].real }
    }

    /// A start density on `grid` for a cell of `volume`: Σ wᵢ × (deformation density i on this grid,
    /// scaled by Ωᵢ/Ω to keep its charge) + the cell's `atomic` guess, made non-negative and renormalised.
    /// Spin-polarised, `atomic` and the sources are (ρ, m); a source with another channel count than
    /// `atomic` (e.g. from an unpolarised run) adds to ρ only.
    public static func start(from sources: [(weight: Double, density: StoredDensity)], grid: [Int], volume: Double,
                             electrons: Int, atomic: [Double]) -> [Double] {
        var rho = atomic
        let n = grid.reduce(1, *)
        for (w, d) in sources {
            let f = w * d.volume / volume
            let values = d.resampled(to: grid)
            let count = values.count == rho.count ? rho.count : min(n, values.count)
            for i in 0..<count { rho[i] += f * values[i] }
        }
        return StoredDensity(grid: grid, volume: volume, values: rho).transferred(to: grid, volume: volume, electrons: electrons)
    }

    // MARK: wire format (header of 4 Int64: the grid and the number of values, then the volume and the values)

    public func encoded() -> Data {
        var w = WireWriter()
        for n in grid { w.int(n) }
        w.int(values.count)
        w.doubles([volume])
        w.doubles(values)
        return w.data
    }

    public init?(encoded d: Data) {
        var r = WireReader(d)
        guard let g0 = r.int(), let g1 = r.int(), let g2 = r.int(), let n = r.int(), g0 > 0, g1 > 0, g2 > 0,
              n == g0 * g1 * g2 || n == 2 * g0 * g1 * g2,
              let v = r.doubles(1), let values = r.doubles(n), r.atEnd else { return nil }
        grid = [g0, g1, g2]; volume = v[0]; self.values = values
    }
}
