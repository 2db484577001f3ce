import Numerics
import COpenBLAS

public typealias Complex64 = Complex<Double>

/// A dense complex matrix, column-major, as BLAS/LAPACK expect it.
///
/// Storage is over-allocated by 4 KiB: OpenBLAS 0.3.21 `zgemv_n` reads past the end of complex
/// matrices (upstream issue 4013) and crashes `zheevd`/`pzheevd` when a buffer ends on a page.
public struct ComplexMatrix: Sendable {
    public static let padding = 256  // complex elements = 4 KiB
    public let rows: Int
    /// Fewer after `multiplyInPlace` with a narrower factor (the storage keeps its size).
    public fileprivate(set) var cols: Int
    public var storage: [Complex64]

    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0)
        self.rows = rows
        self.cols = cols
        storage = [Complex64](repeating: .zero, count: rows * cols + Self.padding)
    }

    public init(rows: Int, cols: Int, _ element: (Int, Int) -> Complex64) {
        self.init(rows: rows, cols: cols)
        for j in 0..<cols { for i in 0..<rows { storage[i + j * rows] = element(i, j) } }
    }

    @inlinable public subscript(i: Int, j: Int) -> Complex64 {
        get { storage[i + j * rows] }
        set { storage[i + j * rows] = newValue }
    }

    /// Keeps the first n columns (the storage keeps its size).
    public mutating func shrink(toColumns n: Int) {
        precondition(n >= 0 && n <= cols, "shrink: more columns than the matrix has")
        cols = n
    }

    /// Columns `range` as a new matrix.
    public func columns(_ range: Range<Int>) -> ComplexMatrix {
        var m = ComplexMatrix(rows: rows, cols: range.count)
        storage.withUnsafeBufferPointer { src in
            m.storage.withUnsafeMutableBufferPointer { dst in
                for (jj, j) in range.enumerated() {
                    for i in 0..<rows { dst[i + jj * rows] = src[i + j * rows] }
                }
            }
        }
        return m
    }

    /// Copies the columns of `other` into columns starting at `start`.
    public mutating func setColumns(from other: ComplexMatrix, at start: Int) {
        precondition(other.rows == rows && start + other.cols <= cols)
        let n = rows * other.cols
        storage.withUnsafeMutableBufferPointer { dst in
            other.storage.withUnsafeBufferPointer { src in
                (dst.baseAddress! + start * rows).update(from: src.baseAddress!, count: n)
            }
        }
    }

    /// Copies column `column` of `other` into column `target`.
    public mutating func setColumns(from other: ComplexMatrix, column: Int, at target: Int) {
        precondition(other.rows == rows && column < other.cols && target < cols)
        let n = rows
        storage.withUnsafeMutableBufferPointer { dst in
            other.storage.withUnsafeBufferPointer { src in
                (dst.baseAddress! + target * n).update(from: src.baseAddress! + column * n, count: n)
            }
        }
    }

    /// Concatenates matrices with the same row count side by side: [A B C].
    public static func hstack(_ parts: [ComplexMatrix]) -> ComplexMatrix {
        let rows = parts.first?.rows ?? 0
        var m = ComplexMatrix(rows: rows, cols: parts.reduce(0) { $0 + $1.cols })
        var c = 0
        for p in parts { m.setColumns(from: p, at: c); c += p.cols }
        return m
    }

    public var adjoint: ComplexMatrix {
        ComplexMatrix(rows: cols, cols: rows) { i, j in self[j, i].conjugate }
    }
}

/// BLAS-style operation on an operand.
public enum MatrixOp: Sendable { case none, transpose, adjoint
    var cblas: CBLAS_TRANSPOSE {
        switch self { case .none: CblasNoTrans; case .transpose: CblasTrans; case .adjoint: CblasConjTrans }
    }
}

/// C ← α op(A) op(B) + β C  (`zgemm`).
public func gemm(_ opA: MatrixOp, _ a: ComplexMatrix, _ opB: MatrixOp, _ b: ComplexMatrix,
                 alpha: Complex64 = .one, beta: Complex64 = .zero, into c: inout ComplexMatrix) {
    let m = opA == .none ? a.rows : a.cols
    let k = opA == .none ? a.cols : a.rows
    let n = opB == .none ? b.cols : b.rows
    precondition((opB == .none ? b.rows : b.cols) == k, "gemm: inner dimensions differ")
    precondition(c.rows == m && c.cols == n, "gemm: result has the wrong shape")
    if m == 0 || n == 0 { return }
    var al = alpha, be = beta
    a.storage.withUnsafeBytes { pa in
        b.storage.withUnsafeBytes { pb in
            c.storage.withUnsafeMutableBytes { pc in
                cblas_zgemm(CblasColMajor, opA.cblas, opB.cblas, Int32(m), Int32(n), Int32(k),
                            &al, pa.baseAddress, Int32(max(1, a.rows)),
                            pb.baseAddress, Int32(max(1, b.rows)),
                            &be, pc.baseAddress, Int32(max(1, c.rows)))
            }
        }
    }
}

/// The Gram matrix AᴴA (`zherk`: half the work of `multiply(.adjoint, a, .none, a)`), exactly
/// Hermitian: the upper triangle is formed, the lower one is its conjugate, the diagonal is real.
public func gram(_ a: ComplexMatrix) -> ComplexMatrix {
    let n = a.cols, k = a.rows
    var c = ComplexMatrix(rows: n, cols: n)
    if n == 0 { return c }
    if k > 0 {
        a.storage.withUnsafeBytes { pa in
            c.storage.withUnsafeMutableBytes { pc in
                cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, Int32(n), Int32(k),
                            1, pa.baseAddress, Int32(max(1, k)), 0, pc.baseAddress, Int32(n))
            }
        }
    }
    for j in 0..<n {
        c[j, j] = Complex64(c[j, j].real, 0)
        for i in 0..<j { c[j, i] = c[i, j].conjugate }
    }
    return c
}

/// op(A) op(B) as a new matrix.
public func multiply(_ opA: MatrixOp = .none, _ a: ComplexMatrix, _ opB: MatrixOp = .none, _ b: ComplexMatrix) -> ComplexMatrix {
    var c = ComplexMatrix(rows: opA == .none ? a.rows : a.cols, cols: opB == .none ? b.cols : b.rows)
    gemm(opA, a, opB, b, into: &c)
    return c
}

/// A ← A B (+ C), B of size A.cols × n, C of A's rows × n. With n ≤ A.cols in place: the rows are taken
/// a block at a time, their product formed in a block-sized buffer and copied back over the first n
/// columns, so no second matrix of A's size is made (each row of the result depends on that row of A
/// only); A keeps its storage and has n columns afterwards. A wider result is a new matrix.
public func multiplyInPlace(_ a: inout ComplexMatrix, by b: ComplexMatrix, plus c: ComplexMatrix? = nil) {
    precondition(b.rows == a.cols, "multiplyInPlace: B must have A.cols rows")
    precondition(c.map { $0.rows == a.rows && $0.cols == b.cols } ?? true, "multiplyInPlace: C has the wrong shape")
    if b.cols > a.cols {
        var product = c ?? ComplexMatrix(rows: a.rows, cols: b.cols)
        gemm(.none, a, .none, b, beta: c == nil ? .zero : .one, into: &product)
        a = product
        return
    }
    let rows = a.rows, k = a.cols, n = b.cols
    let block = 256
    if rows > 0 && n > 0 {
        var buffer = [Complex64](repeating: .zero, count: block * n)
        var al = Complex64.one, be = Complex64.zero
        a.storage.withUnsafeMutableBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                buffer.withUnsafeMutableBufferPointer { pt in
                    for start in stride(from: 0, to: rows, by: block) {
                        let m = min(block, rows - start)
                        if k > 0 {
                            cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                        &al, pa.baseAddress! + start, Int32(rows), pb.baseAddress, Int32(max(1, b.rows)),
                                        &be, pt.baseAddress, Int32(block))
                        } else {
                            for j in 0..<n { for i in 0..<m { pt[i + j * block] = .zero } }
                        }
                        for j in 0..<n {
                            let column = pa.baseAddress! + start + j * rows
                            if let c {
                                c.storage.withUnsafeBufferPointer { pc in
                                    for i in 0..<m { column[i] = pt[i + j * block] + pc[start + i + j * rows] }
                                }
                            } else {
                                for i in 0..<m { column[i] = pt[i + j * block] }
                            }
                        }
                    }
                }
            }
        }
    }
    a.cols = n
}

/// A[:, columns] B as a new matrix (`zgemm` on the column range in place, without copying it out).
public func multiply(_ a: ComplexMatrix, columns: Range<Int>, _ b: ComplexMatrix) -> ComplexMatrix {
    precondition(columns.lowerBound >= 0 && columns.upperBound <= a.cols, "multiply: column range outside the matrix")
    precondition(b.rows == columns.count, "multiply: inner dimensions differ")
    var c = ComplexMatrix(rows: a.rows, cols: b.cols)
    if a.rows == 0 || b.cols == 0 { return c }
    if columns.isEmpty { return c }
    var al = Complex64.one, be = Complex64.zero
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBytes { pb in
            c.storage.withUnsafeMutableBytes { pc in
                cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(a.rows), Int32(b.cols), Int32(columns.count),
                            &al, pa.baseAddress! + columns.lowerBound * a.rows, Int32(max(1, a.rows)),
                            pb.baseAddress, Int32(max(1, b.rows)),
                            &be, pc.baseAddress, Int32(max(1, c.rows)))
            }
        }
    }
    return c
}

/// (diag(w) A)ᴴ B = Aᴴ diag(w) B for real row weights w (A.rows = B.rows = w.count), formed a block
/// of rows at a time so that no weighted copy of A is made (only a buffer of 256 rows).
public func multiplyAdjoint(_ a: ComplexMatrix, rowWeights w: [Double], _ b: ComplexMatrix) -> ComplexMatrix {
    precondition(a.rows == b.rows && w.count == a.rows, "multiplyAdjoint: A, B and w need the same rows")
    var c = ComplexMatrix(rows: a.cols, cols: b.cols)
    let rows = a.rows, block = 256
    if rows == 0 || a.cols == 0 || b.cols == 0 { return c }
    var buffer = [Complex64](repeating: .zero, count: block * a.cols)
    var al = Complex64.one, be = Complex64.one
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            c.storage.withUnsafeMutableBufferPointer { pc in
                buffer.withUnsafeMutableBufferPointer { pt in
                    for start in stride(from: 0, to: rows, by: block) {
                        let m = min(block, rows - start)
                        for j in 0..<a.cols { for i in 0..<m { pt[i + j * block] = pa[start + i + j * rows] * w[start + i] } }
                        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, Int32(a.cols), Int32(b.cols), Int32(m),
                                    &al, pt.baseAddress, Int32(block), pb.baseAddress! + start, Int32(rows),
                                    &be, pc.baseAddress, Int32(a.cols))
                    }
                }
            }
        }
    }
    return c
}

public enum LinearAlgebraError: Error, CustomStringConvertible {
    case lapack(routine: String, info: Int)
    /// A distributed matrix laid out in a way the routine cannot take.
    case distribution(String)
    public var description: String {
        switch self {
        case let .lapack(routine, info): "\(routine) failed with info = \(info)"
        case let .distribution(reason): reason
        }
    }
}

/// Eigen-decomposition of a Hermitian matrix (`zheevd`, upper triangle used):
/// returns ascending eigenvalues and, as columns, the eigenvectors.
public func hermitianEigen(_ a: ComplexMatrix, vectors: Bool = true) throws -> (values: [Double], vectors: ComplexMatrix) {
    precondition(a.rows == a.cols)
    let n = a.rows
    var z = a
    var w = [Double](repeating: 0, count: n + 1)
    if n == 0 { return ([], z) }
    let info = z.storage.withUnsafeMutableBufferPointer { p in
        p.withMemoryRebound(to: lapacke_dcomplex.self) { q in
            LAPACKE_zheevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: vectors ? "V" : "N")),
                           CChar(UInt8(ascii: "U")), Int32(n), q.baseAddress, Int32(n), &w)
        }
    }
    if info != 0 { throw LinearAlgebraError.lapack(routine: "zheevd", info: Int(info)) }
    return (Array(w.prefix(n)), z)
}

/// Cholesky factor U of a Hermitian positive-definite matrix, A = Uᴴ U (`zpotrf`, upper);
/// the strict lower triangle of the result is zero.
public func choleskyUpper(_ a: ComplexMatrix) throws -> ComplexMatrix {
    precondition(a.rows == a.cols)
    let n = a.rows
    var u = a
    if n == 0 { return u }
    let info = u.storage.withUnsafeMutableBufferPointer { p in
        p.withMemoryRebound(to: lapacke_dcomplex.self) { q in
            LAPACKE_zpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), q.baseAddress, Int32(n))
        }
    }
    if info != 0 { throw LinearAlgebraError.lapack(routine: "zpotrf", info: Int(info)) }
    for j in 0..<n { for i in (j + 1)..<max(j + 1, n) { u[i, j] = .zero } }
    return u
}

/// B ← B U⁻¹ for an upper-triangular U (`ztrsm`, right side).
public func solveUpperRight(_ b: inout ComplexMatrix, _ u: ComplexMatrix) {
    precondition(u.rows == u.cols && b.cols == u.rows)
    if b.rows == 0 || b.cols == 0 { return }
    var one = Complex64.one
    u.storage.withUnsafeBytes { pu in
        b.storage.withUnsafeMutableBytes { pb in
            cblas_ztrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                        Int32(b.rows), Int32(b.cols), &one, pu.baseAddress, Int32(u.rows),
                        pb.baseAddress, Int32(b.rows))
        }
    }
}

/// OpenBLAS threading, read and set (the doctor checks it against ranks per node).
public enum BLASThreads {
    public static var current: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var configuration: String { String(cString: openblas_get_config()) }
}

extension Complex where RealType == Double {
    /// z · r for a real scalar r.
    @inlinable public static func * (z: Complex<Double>, r: Double) -> Complex<Double> { Complex(z.real * r, z.imaginary * r) }
    @inlinable public static func * (r: Double, z: Complex<Double>) -> Complex<Double> { Complex(z.real * r, z.imaginary * r) }
    /// |z|²
    @inlinable public var norm2: Double { real * real + imaginary * imaginary }
}
