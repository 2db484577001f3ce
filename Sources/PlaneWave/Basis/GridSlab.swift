import Bindings

/// One process' slab of the density grid (`DensitySlabs`: whole planes of the first axis): its
/// points' G, and the spectral calculus of fields given at them (`FieldCalculus`), through the
/// distributed transform. Integrals are this process' part, completed by a sum over the processes;
/// transforms are collective (every process calls them, in the same order).
public struct GridSlab {
    public let grid: FourierGrid
    public let slabs: DensitySlabs
    /// This process' planes of the first axis.
    let planes: Range<Int>

    public init(grid: FourierGrid, slabs: DensitySlabs) {
        self.grid = grid; self.slabs = slabs
        let plane = grid.size[1] * grid.size[2]
        precondition(slabs.points.lowerBound % plane == 0 && slabs.points.upperBound % plane == 0, "a slab holds whole planes")
        planes = slabs.points.lowerBound / plane ..< slabs.points.upperBound / plane
    }

    /// This process' points of the grid (storage order).
    public var points: Range<Int> { slabs.points }

    /// This process' values of a field given on the whole grid.
    public func slice(_ f: [Double]) -> [Double] { Array(f[slabs.points]) }

    /// Calls body(j, m, |G|²) for this process' points, j counted from its first point.
    public func forEachPoint(_ body: (Int, SIMD3<Int32>, Double) -> Void) {
        let first = points.lowerBound
        grid.forEachPoint(planes: planes) { i, m, g2 in body(i - first, m, g2) }
    }

    /// Calls body(j, Gx, Gy, Gz) for this process' points, with G = 0 on Nyquist planes.
    func forEachWaveVector(_ body: (Int, Double, Double, Double) -> Void) {
        let first = points.lowerBound
        grid.forEachWaveVector(planes: planes) { i, _, gx, gy, gz in body(i - first, gx, gy, gz) }
    }
}

extension GridSlab: FieldCalculus {
    public func gradient(_ f: [Double]) throws -> [[Double]] {
        let fG = try slabs.fourier(f)
        var components: [[Double]] = []
        for a in 0..<3 {
            var c = [Complex64](repeating: .zero, count: fG.count)
            forEachWaveVector { j, gx, gy, gz in
                let g = a == 0 ? gx : a == 1 ? gy : gz
                c[j] = Complex64(-fG[j].imaginary * g, fG[j].real * g)          // iG_a f_G
            }
            components.append(try slabs.real(c))
        }
        return components
    }

    public func gradientSquared(_ f: [Double]) throws -> [Double] {
        let g = try gradient(f)
        return f.indices.map { g[0][$0] * g[0][$0] + g[1][$0] * g[1][$0] + g[2][$0] * g[2][$0] }
    }

    public func divergence(_ v: [[Double]]) throws -> [Double] {
        precondition(v.count == 3 && v.allSatisfy { $0.count == points.count }, "a vector field has three components at the slab's points")
        var sum = [Complex64](repeating: .zero, count: points.count)
        for a in 0..<3 {
            let vG = try slabs.fourier(v[a])
            forEachWaveVector { j, gx, gy, gz in
                let g = a == 0 ? gx : a == 1 ? gy : gz
                sum[j] = sum[j] + Complex64(-vG[j].imaginary * g, vG[j].real * g)
            }
        }
        return try slabs.real(sum)
    }

    public func integrate(_ f: [Double], _ g: [Double]) -> Double {
        var s = 0.0
        for i in f.indices { s += f[i] * g[i] }
        return s * grid.basis.volume / Double(grid.count)
    }
}
