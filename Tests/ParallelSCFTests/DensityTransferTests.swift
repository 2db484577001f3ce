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
