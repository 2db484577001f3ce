import Bindings
import Numerics

/// Deterministic pseudo-random start vectors: c_G = (u + iv)/(1 + ½|k+G|²) with u, v uniform in
/// [−½, ½) from an xorshift generator seeded by `seed`, damped at high kinetic energy. The same on
/// every process.
enum RandomOrbitals {
    static func block(rows: Int, cols: Int, seed: Int, kinetic: [Double]) -> ComplexMatrix {
        var state = UInt64(truncatingIfNeeded: seed) &* 0x9E3779B97F4A7C15 &+ 0x2545F4914F6CDD1D
        func next() -> Double {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Double((state &* 0x2545F4914F6CDD1D) >> 11) / Double(1 << 53) - 0.5
        }
        return ComplexMatrix(rows: rows, cols: cols) { g, _ in Complex64(next(), next()) * (1 / (1 + kinetic[g])) }
    }
}
