import Bindings
import Numerics
import Testing

/// A reproducible complex number for (i, j) and a seed.
func sample(_ i: Int, _ j: Int, seed: Int) -> Complex64 {
    let x = Double((i * 7919 + j * 104_729 + seed * 1_299_709) % 1000) / 500 - 1
    let y = Double((i * 15_485_863 + j * 32_452_843 + seed * 49_979_687) % 1000) / 500 - 1
    return Complex64(x, y)
}

func maxDifference(_ a: ComplexMatrix, _ b: ComplexMatrix) -> Double {
    precondition(a.rows == b.rows && a.cols == b.cols)
    var m = 0.0
    for j in 0..<a.cols { for i in 0..<a.rows { m = max(m, (a[i, j] - b[i, j]).length) } }
    return m
}

extension Bindings {
    @Suite struct LinearAlgebra {
        @Test func zgemmMatchesNaiveProductForEveryOperation() {
            let a = ComplexMatrix(rows: 13, cols: 7) { sample($0, $1, seed: 1) }
            let b = ComplexMatrix(rows: 7, cols: 11) { sample($0, $1, seed: 2) }
            var naive = ComplexMatrix(rows: 13, cols: 11)
            for i in 0..<13 { for j in 0..<11 { for l in 0..<7 { naive[i, j] += a[i, l] * b[l, j] } } }
            #expect(maxDifference(multiply(.none, a, .none, b), naive) < 1e-13)
            // (Aᴴ)ᴴ B and A (Bᵀ)ᵀ must give the same product
            #expect(maxDifference(multiply(.adjoint, a.adjoint, .none, b), naive) < 1e-13)
            let bt = ComplexMatrix(rows: 11, cols: 7) { b[$1, $0] }
            #expect(maxDifference(multiply(.none, a, .transpose, bt), naive) < 1e-13)
            // alpha, beta: C ← 2AB − C
            var c = naive
            gemm(.none, a, .none, b, alpha: Complex64(2, 0), beta: Complex64(-1, 0), into: &c)
            #expect(maxDifference(c, naive) < 1e-13)
        }

        /// A ← AB (+ C) in place over several row blocks, narrower B (in place), square B, and a wider
        /// B (a new matrix): the same numbers as the out-of-place product.
        @Test func multiplyInPlaceEqualsTheProduct() {
            let a = ComplexMatrix(rows: 600, cols: 9) { sample($0, $1, seed: 3) }
            for n in [4, 9, 13] {
                let b = ComplexMatrix(rows: 9, cols: n) { sample($0, $1, seed: 4 + n) }
                let c = ComplexMatrix(rows: 600, cols: n) { sample($0, $1, seed: 20 + n) }
                var product = multiply(.none, a, .none, b)
                var x = a
                multiplyInPlace(&x, by: b)
                #expect(x.cols == n)
                #expect(maxDifference(x, product) < 1e-13)
                for j in 0..<n { for i in 0..<600 { product[i, j] += c[i, j] } }
                var y = a
                multiplyInPlace(&y, by: b, plus: c)
                #expect(maxDifference(y, product) < 1e-13)
            }
            // a copy made before is not changed (value semantics)
            let before = a
            var z = a
            multiplyInPlace(&z, by: ComplexMatrix(rows: 9, cols: 2) { sample($0, $1, seed: 7) })
            #expect(maxDifference(before, a) == 0)
        }

        @Test func hermitianEigenOfKnown2x2() throws {
            // [[2, i], [−i, 2]] has eigenvalues 1 and 3, eigenvectors (1, i)/√2 and (1, −i)/√2 up to phase
            let a = ComplexMatrix(rows: 2, cols: 2) { i, j in
                i == j ? Complex64(2, 0) : (i == 0 ? Complex64(0, 1) : Complex64(0, -1))
            }
            let (values, vectors) = try hermitianEigen(a)
            #expect(abs(values[0] - 1) < 1e-14)
            #expect(abs(values[1] - 3) < 1e-14)
            // A v = λ v for each column
            let av = multiply(.none, a, .none, vectors)
            for k in 0..<2 { for i in 0..<2 {
                #expect((av[i, k] - vectors[i, k] * Complex64(values[k], 0)).length < 1e-14)
            } }
            #expect(abs(vectors[0, 0].length - 0.5.squareRoot()) < 1e-14)
        }

        @Test func choleskyReproducesMatrixAndZeroesLowerTriangle() throws {
            let n = 9
            let m = ComplexMatrix(rows: n, cols: n) { sample($0, $1, seed: 3) }
            var a = multiply(.adjoint, m, .none, m)          // Hermitian positive definite
            for i in 0..<n { a[i, i] += Complex64(Double(n), 0) }
            let u = try choleskyUpper(a)
            #expect(maxDifference(multiply(.adjoint, u, .none, u), a) < 1e-12)
            for j in 0..<n { for i in (j + 1)..<n { #expect(u[i, j] == .zero) } }
            // B U⁻¹ U = B
            var b = ComplexMatrix(rows: 4, cols: n) { sample($0, $1, seed: 4) }
            let original = b
            solveUpperRight(&b, u)
            #expect(maxDifference(multiply(.none, b, .none, u), original) < 1e-12)
        }

        @Test func choleskyRejectsIndefiniteMatrix() {
            let a = ComplexMatrix(rows: 2, cols: 2) { i, j in i == j ? Complex64(i == 0 ? 1 : -1, 0) : .zero }
            #expect(throws: LinearAlgebraError.self) { try choleskyUpper(a) }
        }
    }
}
