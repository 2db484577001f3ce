import PlaneWave

/// A space-group operation in reduced coordinates, x′ = R x + t, as written in a CIF's
/// `_space_group_symop_operation_xyz` (or the older `_symmetry_equiv_pos_as_xyz`): three
/// comma-separated components, each a signed sum of x, y, z and numbers or fractions, e.g.
/// `'-y+1/4, x-y, z+0.5'` (International Tables for Crystallography Vol. A, the coordinate-triplet
/// notation; whitespace and letter case do not matter).
public struct SymmetryOperation: Sendable, Equatable {
    /// R[i][j]: component i of x′ takes R[i][j]·x_j.
    public let rotation: [[Int]]
    public let translation: SIMD3<Double>

    public init(rotation: [[Int]], translation: SIMD3<Double>) {
        self.rotation = rotation; self.translation = translation
    }

    /// R x + t.
    public func apply(_ x: SIMD3<Double>) -> SIMD3<Double> {
        let r = rotation.map { row in Double(row[0]) * x.x + Double(row[1]) * x.y + Double(row[2]) * x.z }
        return SIMD3(r[0], r[1], r[2]) + translation
    }

    /// Parses a coordinate triplet; the error text says what is wrong (for the caller to prefix
    /// with the file and item).
    public init(xyz text: String) throws(SymmetryOperationError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw SymmetryOperationError("has \(parts.count) comma-separated components; expected 3 (like 'x, y, z')")
        }
        var rotation: [[Int]] = []
        var translation = SIMD3<Double>()
        for (i, part) in parts.enumerated() {
            let (row, t) = try Self.component(String(part))
            rotation.append(row)
            translation[i] = t
        }
        // a crystallographic rotation maps the lattice onto itself: det R = ±1
        let r = rotation
        let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0])
        guard abs(det) == 1 else {
            throw SymmetryOperationError("is not a symmetry operation (the determinant of its rotation part is \(det), not ±1)")
        }
        self.init(rotation: rotation, translation: translation)
    }

    /// One component: terms [sign] (number [/ number] [*] [variable] | variable).
    private static func component(_ text: String) throws(SymmetryOperationError) -> ([Int], Double) {
        let s = Array(text.lowercased().filter { !$0.isWhitespace })
        guard !s.isEmpty else { throw SymmetryOperationError("has an empty component") }
        var row = [0, 0, 0]
        var t = 0.0
        var i = 0
        func number() -> Double? {
            var j = i
            while j < s.count, s[j].isNumber || s[j] == "." { j += 1 }
            guard j > i, let x = Double(String(s[i..<j])) else { return nil }
            i = j
            return x
        }
        while i < s.count {
            var sign = 1.0
            if s[i] == "+" || s[i] == "-" {
                sign = s[i] == "-" ? -1 : 1
                i += 1
            } else if i > 0 {
                throw SymmetryOperationError("has '\(s[i])' where a sign (+ or -) was expected in '\(text.trimmingWhitespace())'")
            }
            guard i < s.count else { throw SymmetryOperationError("ends with a sign in '\(text.trimmingWhitespace())'") }
            var coefficient: Double? = nil
            if s[i].isNumber || s[i] == "." {
                guard var x = number() else {
                    throw SymmetryOperationError("has a malformed number in '\(text.trimmingWhitespace())'")
                }
                if i < s.count, s[i] == "/" {
                    i += 1
                    guard let d = number(), d != 0 else {
                        throw SymmetryOperationError("has a malformed fraction in '\(text.trimmingWhitespace())'")
                    }
                    x /= d
                }
                if i < s.count, s[i] == "*" { i += 1 }
                coefficient = x
            }
            if i < s.count, let v = ["x": 0, "y": 1, "z": 2][s[i]] {
                let c = coefficient ?? 1
                guard c == c.rounded() else {
                    throw SymmetryOperationError("has a non-integer coefficient of \(s[i]) in '\(text.trimmingWhitespace())'")
                }
                row[v] += Int(sign * c)
                i += 1
            } else if let c = coefficient {
                t += sign * c
            } else {
                throw SymmetryOperationError("has '\(s[i])' where x, y, z or a number was expected in '\(text.trimmingWhitespace())'")
            }
        }
        return (row, t)
    }
}

/// Why a coordinate triplet does not parse.
public struct SymmetryOperationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
