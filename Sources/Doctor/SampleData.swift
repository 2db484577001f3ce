import Bindings

/// Reproducible pseudo-random test data (the same on every rank, no shared state).
public enum SampleData {
    /// A value in [−1, 1) determined by `i` alone (splitmix64).
    public static func uniform(_ i: UInt64) -> Double {
        var z = i &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53) * 2 - 1
    }

    /// Element (i, j) of a reproducible random Hermitian n×n matrix (0-based indices).
    public static func hermitian(_ i: Int, _ j: Int, n: Int) -> Complex64 {
        if i == j { return Complex64(5 * uniform(UInt64(2 * (i * n + i))), 0) }
        let (r, c) = i < j ? (i, j) : (j, i)
        let k = UInt64(2 * (r * n + c))
        let z = Complex64(uniform(k), uniform(k + 1))
        return i < j ? z : z.conjugate
    }

    /// A reproducible complex value for flat index `i` (e.g. FFT input).
    public static func complex(_ i: Int, seed: UInt64 = 0) -> Complex64 {
        let k = (UInt64(i) &* 2) &+ seed &* 0x1_0000_0000
        return Complex64(uniform(k), uniform(k + 1))
    }
}
