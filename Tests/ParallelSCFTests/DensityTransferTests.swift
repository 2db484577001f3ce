import Foundation
import Testing
@testable import ParallelSCF

@Suite struct DensityTransferTests {
    @Test func sameGridIsACopyAndOthersKeepTheCharge() {
        let grid = [6, 6, 8]
        let n = grid.reduce(1, *)
        let values = (0..<n).map { i in 1 + 0.3 * sin(2 * Double.pi * Double(i % 8) / 8) }
        let volume = 250.0
        let electrons = Int((values.reduce(0, +) * volume / Double(n)).rounded())
        let rho = StoredDensity(grid: grid, volume: volume, values: values)
        let same = rho.transferred(to: grid, volume: volume, electrons: electrons)
        let scale = Double(electrons) / (values.reduce(0, +) * volume / Double(n))
        #expect(zip(same, values).allSatisfy { abs($0 - $1 * scale) < 1e-12 })
        let finer = rho.transferred(to: [8, 8, 10], volume: 260, electrons: 8)
        #expect(finer.count == 640 && abs(finer.reduce(0, +) * 260 / 640 - 8) < 1e-9 && finer.allSatisfy { $0 > 0 })
        let back = StoredDensity(encoded: rho.encoded())
        #expect(back?.grid == grid && back?.values == values && back?.volume == volume)
        #expect(StoredDensity(encoded: Data([1, 2, 3])) == nil)
    }
}

/// Spin-polarised states: (ρ, m) carried channel by channel, the orbitals of each spin channel apart.
@Suite struct SpinStateTransferTests {
    @Test func densityAndMagnetizationTransferTogether() {
        let grid = [6, 6, 8]
        let n = grid.reduce(1, *)
        let rho = (0..<n).map { i in 1 + 0.3 * sin(2 * Double.pi * Double(i % 8) / 8) }
        let m = rho.enumerated().map { 0.4 * $0.element * cos(2 * Double.pi * Double($0.offset % 6) / 6) }
        let volume = 250.0
        let stored = StoredDensity(grid: grid, volume: volume, values: rho + m)
        #expect(stored.channels == 2)
        let finer = stored.transferred(to: [8, 8, 10], volume: 260, electrons: 8)
        #expect(finer.count == 2 * 640)
        let electronsAfter: Double = finer[0..<640].reduce(0, +) * 260 / 640
        #expect(abs(electronsAfter - 8) < 1e-9, "ρ renormalised to the electrons")
        let bounded = (0..<640).allSatisfy { (i: Int) -> Bool in abs(finer[640 + i]) <= finer[i] + 1e-15 }
        #expect(bounded, "|m| ≤ ρ")
        // m resampled alone: its cell integral (the G = 0 component) is kept, up to ρ's renormalisation factor
        let mTotal: Double = m.reduce(0, +) * volume / Double(n)
        let scale: Double = 8 / (rho.reduce(0, +) * volume / Double(n))
        let mAfter: Double = finer[640...].reduce(0, +) * 260 / 640
        let mExpected: Double = mTotal * scale * 260 / volume
        #expect(abs(mAfter - mExpected) < 1e-9)
        let back = StoredDensity(encoded: stored.encoded())
        #expect(back?.values == rho + m && back?.channels == 2)
        // an unpolarised deformation adds to ρ only; a polarised one to both
        let atomic = [Double](repeating: 0.5, count: n) + [Double](repeating: 0.1, count: n)
        let start = StoredDensity.start(from: [(1, StoredDensity(grid: grid, volume: volume, values: m))], grid: grid, volume: volume,
                                        electrons: 8, atomic: atomic)
        let m0: Double = start[n], m1: Double = start[n + 1]
        #expect(start.count == 2 * n && abs(m0 - m1) < 1e-15, "m stays the atomic guess: \(m0), \(m1)")
    }
}
