import COpenBLAS

/// Products of complex blocks for vectors combined with real coefficients only (LOBPCG on real
/// wave functions at Γ): a column-major complex block of r rows is, in memory, a real block of
/// 2r rows (re, im interleaved). For real C, A C is the real product of that view, and
/// Re(Aᴴ B) = A_realᵀ B_real. `dgemm`, `dsyrk` and `dtrsm` on the view do a quarter of the
/// arithmetic of the complex routines on the same blocks (`zgemm` with real coefficients wastes half
/// of its products, and computes the imaginary parts that are dropped). The small matrices are
/// `ComplexMatrix` values whose imaginary parts are zero (given ones are ignored).
public enum RealCombinations {
    /// The real parts of a small matrix, column-major.
    static func realParts(_ m: ComplexMatrix) -> [Double] {
        var r = [Double](repeating: 0, count: max(1, m.rows * m.cols))
        for j in 0..<m.cols { for i in 0..<m.rows { r[i + j * m.rows] = m[i, j].real } }
        return r
    }

    /// A matrix with these real entries (column-major) and zero imaginary parts.
    static func complex(rows: Int, cols: Int, _ r: [Double]) -> ComplexMatrix {
        ComplexMatrix(rows: rows, cols: cols) { i, j in Complex64(r[i + j * rows], 0) }
    }

    /// Re(Aᴴ B).
    public static func innerProducts(_ a: ComplexMatrix, _ b: ComplexMatrix) -> ComplexMatrix {
        precondition(a.rows == b.rows, "innerProducts: the blocks' rows differ")
        let m = a.cols, n = b.cols, k = 2 * a.rows
        var c = [Double](repeating: 0, count: max(1, m * n))
        if m > 0, n > 0, k > 0 {
            a.storage.withUnsafeBytes { pa in
                b.storage.withUnsafeBytes { pb in
                    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                1, pa.baseAddress!.assumingMemoryBound(to: Double.self), Int32(k),
                                pb.baseAddress!.assumingMemoryBound(to: Double.self), Int32(k), 0, &c, Int32(m))
                }
            }
        }
        return complex(rows: m, cols: n, c)
    }

    /// Re(Aᴴ A), exactly symmetric.
    public static func gram(_ a: ComplexMatrix) -> ComplexMatrix {
        let n = a.cols, k = 2 * a.rows
        var c = [Double](repeating: 0, count: max(1, n * n))
        if n > 0, k > 0 {
            a.storage.withUnsafeBytes { pa in
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(n), Int32(k),
                            1, pa.baseAddress!.assumingMemoryBound(to: Double.self), Int32(k), 0, &c, Int32(n))
            }
        }
        for j in 0..<n { for i in 0..<j { c[j + i * n] = c[i + j * n] } }
        return complex(rows: n, cols: n, c)
    }

    /// C ← α A B + β C for real B.
    public static func gemm(_ a: ComplexMatrix, _ b: ComplexMatrix, alpha: Double = 1, beta: Double = 0, into c: inout ComplexMatrix) {
        precondition(b.rows == a.cols && c.rows == a.rows && c.cols == b.cols, "gemm: shapes differ")
        let m = 2 * a.rows, n = b.cols, k = a.cols
        if m == 0 || n == 0 { return }
        let br = realParts(b)
        a.storage.withUnsafeBytes { pa in
            c.storage.withUnsafeMutableBytes { pc in
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                            alpha, pa.baseAddress!.assumingMemoryBound(to: Double.self), Int32(max(1, m)),
                            br, Int32(max(1, k)), beta, pc.baseAddress!.assumingMemoryBound(to: Double.self), Int32(m))
            }
        }
    }

    /// A ← A B (+ C) for real B, in place as `multiplyInPlace` (rows a block at a time).
    public static func multiplyInPlace(_ a: inout ComplexMatrix, by b: ComplexMatrix, plus c: ComplexMatrix? = nil) {
        precondition(b.rows == a.cols, "multiplyInPlace: B must have A.cols rows")
        if b.cols > a.cols {
            var product = c ?? ComplexMatrix(rows: a.rows, cols: b.cols)
            gemm(a, b, beta: c == nil ? 0 : 1, into: &product)
            a = product
            return
        }
        let rows = a.rows, k = a.cols, n = b.cols
        let block = 256, ld = 2 * rows
        if rows > 0 && n > 0 {
            let br = realParts(b)
            var buffer = [Double](repeating: 0, count: 2 * block * n)
            a.storage.withUnsafeMutableBytes { raw in
                let pa = raw.baseAddress!.assumingMemoryBound(to: Double.self)
                buffer.withUnsafeMutableBufferPointer { pt in
                    for start in stride(from: 0, to: rows, by: block) {
                        let m = 2 * min(block, rows - start)
                        if k > 0 {
                            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                        1, pa + 2 * start, Int32(ld), br, Int32(max(1, k)), 0, pt.baseAddress, Int32(2 * block))
                        } else {
                            for j in 0..<n { for i in 0..<m { pt[i + j * 2 * block] = 0 } }
                        }
                        for j in 0..<n {
                            let column = pa + 2 * start + j * ld
                            if let c {
                                c.storage.withUnsafeBytes { rc in
                                    let pc = rc.baseAddress!.assumingMemoryBound(to: Double.self) + 2 * start + j * ld
                                    for i in 0..<m { column[i] = pt[i + j * 2 * block] + pc[i] }
                                }
                            } else {
                                for i in 0..<m { column[i] = pt[i + j * 2 * block] }
                            }
                        }
                    }
                }
            }
        }
        a.shrink(toColumns: n)
    }

    /// B ← B U⁻¹ for a real upper-triangular U.
    public static func solveUpperRight(_ b: inout ComplexMatrix, _ u: ComplexMatrix) {
        precondition(u.rows == u.cols && b.cols == u.rows)
        if b.rows == 0 || b.cols == 0 { return }
        let ur = realParts(u)
        b.storage.withUnsafeMutableBytes { pb in
            cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                        Int32(2 * b.rows), Int32(b.cols), 1, ur, Int32(u.rows),
                        pb.baseAddress!.assumingMemoryBound(to: Double.self), Int32(2 * b.rows))
        }
    }
}
