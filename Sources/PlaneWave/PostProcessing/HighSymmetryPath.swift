import Bindings
import Foundation
import Numerics

/// A standard path through the Brillouin zone: labelled points in reduced coordinates of the
/// reciprocal vectors of the cell it is computed in, and the continuous runs of labels that form the path.
public struct HighSymmetryPath: Sendable, Equatable {
    /// The Setyawan–Curtarolo lattice variant ("FCC", "HEX", "BCT2", "MCLC3", "TRI1a", …; see
    /// `SetyawanCurtarolo`), or "generic".
    public let lattice: String
    /// Labelled points in reduced coordinates of the reciprocal vectors of the user's cell.
    public let points: [String: SIMD3<Double>]
    /// Continuous runs of labels; a break between runs (drawn as "K|U") jumps without sampling.
    public let segments: [[String]]
    /// The same points in reduced coordinates of the paper's standard primitive cell (its tables'
    /// values); equal to `points` for the static paths.
    public let standardPoints: [String: SIMD3<Double>]

    public init(lattice: String, points: [String: SIMD3<Double>], segments: [[String]],
                standardPoints: [String: SIMD3<Double>]? = nil) {
        self.lattice = lattice; self.points = points; self.segments = segments
        self.standardPoints = standardPoints ?? points
    }

    /// Setyawan–Curtarolo (Comput. Mater. Sci. 49, 299 (2010)) FCC path Γ–X–W–K–Γ–L–U–W–L–K|U–X in
    /// reduced coordinates of the primitive cell a₁ = a/2(0,1,1), a₂ = a/2(1,0,1), a₃ = a/2(1,1,0).
    public static let fcc = HighSymmetryPath(
        lattice: "FCC",
        points: ["Γ": SIMD3(0, 0, 0), "X": SIMD3(0.5, 0, 0.5), "W": SIMD3(0.5, 0.25, 0.75), "K": SIMD3(0.375, 0.375, 0.75),
                 "L": SIMD3(0.5, 0.5, 0.5), "U": SIMD3(0.625, 0.25, 0.625)],
        segments: [["Γ", "X", "W", "K", "Γ", "L", "U", "W", "L", "K"], ["U", "X"]])

    /// Setyawan–Curtarolo BCC path Γ–H–N–Γ–P–H|P–N for a₁ = a/2(−1,1,1), a₂ = a/2(1,−1,1), a₃ = a/2(1,1,−1).
    public static let bcc = HighSymmetryPath(
        lattice: "BCC",
        points: ["Γ": SIMD3(0, 0, 0), "H": SIMD3(0.5, -0.5, 0.5), "N": SIMD3(0, 0, 0.5), "P": SIMD3(0.25, 0.25, 0.25)],
        segments: [["Γ", "H", "N", "Γ", "P", "H"], ["P", "N"]])

    /// Setyawan–Curtarolo simple-cubic path Γ–X–M–Γ–R–X|M–R.
    public static let cubic = HighSymmetryPath(
        lattice: "CUB",
        points: ["Γ": SIMD3(0, 0, 0), "X": SIMD3(0, 0.5, 0), "M": SIMD3(0.5, 0.5, 0), "R": SIMD3(0.5, 0.5, 0.5)],
        segments: [["Γ", "X", "M", "Γ", "R", "X"], ["M", "R"]])

    /// A path through the zone-face centres of any cell: Γ–B₁/2–Γ–B₂/2–Γ–B₃/2 (no symmetry assumed).
    public static let generic = HighSymmetryPath(
        lattice: "generic",
        points: ["Γ": SIMD3(0, 0, 0), "A": SIMD3(0.5, 0, 0), "B": SIMD3(0, 0.5, 0), "C": SIMD3(0, 0, 0.5)],
        segments: [["Γ", "A"], ["Γ", "B"], ["Γ", "C"]])

    /// The Setyawan–Curtarolo path of the crystal's lattice type (from spglib's standardised cell
    /// at `symprec`, bohr), its points expressed in the reciprocal basis of `crystal.lattice`;
    /// `generic` when no standard is found.
    public static func standard(for crystal: Crystal, symprec: Double = 1e-5) -> HighSymmetryPath {
        guard let s = SetyawanCurtarolo.standard(for: crystal, symprec: symprec) else { return .generic }
        let b = s.reciprocal
        let a = crystal.lattice.vectors
        let points = s.points.mapValues { k -> SIMD3<Double> in
            let cart = k.x * b[0] + k.y * b[1] + k.z * b[2]
            // kⱼ = k·aⱼ / 2π; rounding noise of the transformation removed
            return SIMD3((0..<3).map { j in
                let x = dot(cart, a[j]) / (2 * Double.pi)
                return abs(x - x.rounded()) < 1e-11 ? x.rounded() : x
            })
        }
        return HighSymmetryPath(lattice: s.name, points: points, segments: s.segments, standardPoints: s.points)
    }

    /// The path of a bare lattice (its holohedry: one atom at the origin).
    public static func standard(for lattice: Lattice) -> HighSymmetryPath {
        guard let crystal = try? Crystal(lattice: lattice, atoms: [Atom("H", .zero)]) else { return .generic }
        return standard(for: crystal)
    }

    /// The path as text, e.g. "Γ–X–W–K–Γ–L–U–W–L–K" (runs separated by "|").
    public var description: String { segments.map { $0.joined(separator: "–") }.joined(separator: "|") }

    /// k-points along the path, spaced about evenly in Cartesian length (about `count` in total,
    /// every labelled point included), with the cumulative path length and the label ticks.
    public func sample(lattice: Lattice, count: Int) -> SampledPath {
        let legLengths = segments.map { run in
            (0..<(run.count - 1)).map { norm(lattice.reciprocalCartesian(points[run[$0 + 1]]! - points[run[$0]]!)) }
        }
        let total = legLengths.flatMap { $0 }.reduce(0, +)
        let legs = legLengths.reduce(0) { $0 + $1.count }
        let step = total / Double(max(count - 1, legs, 1))
        var kpoints: [SIMD3<Double>] = [], distance: [Double] = [], ticks: [SampledPath.Tick] = [], runStarts: [Int] = []
        var s = 0.0
        for (r, run) in segments.enumerated() {
            // a new run starts where the previous one ended on the length axis (a jump, drawn "K|U")
            kpoints.append(points[run[0]]!); distance.append(s); runStarts.append(kpoints.count - 1)
            if r == 0 {
                ticks.append(.init(index: 0, distance: s, label: run[0]))
            } else {
                let t = ticks.removeLast()
                ticks.append(.init(index: kpoints.count - 1, distance: s, label: t.label + "|" + run[0]))
            }
            for i in 0..<(run.count - 1) {
                let from = points[run[i]]!, to = points[run[i + 1]]!, length = legLengths[r][i]
                let n = max(1, Int((length / step).rounded()))
                for j in 1...n {
                    let t = Double(j) / Double(n)
                    kpoints.append(from + t * (to - from))
                    distance.append(s + t * length)
                }
                s += length
                ticks.append(.init(index: kpoints.count - 1, distance: s, label: run[i + 1]))
            }
        }
        return SampledPath(kpoints: kpoints, distance: distance, ticks: ticks, runStarts: runStarts)
    }
}

/// k-points sampled along a path.
public struct SampledPath: Sendable, Equatable {
    public struct Tick: Sendable, Equatable, Codable {
        public let index: Int
        /// Cumulative path length (bohr⁻¹).
        public let distance: Double
        public let label: String
    }
    public let kpoints: [SIMD3<Double>]
    /// Cumulative Cartesian path length at each point (bohr⁻¹).
    public let distance: [Double]
    public let ticks: [Tick]
    /// Indices where a continuous run begins (no line is drawn from the point before).
    public let runStarts: [Int]

    public init(kpoints: [SIMD3<Double>], distance: [Double], ticks: [Tick], runStarts: [Int]) {
        self.kpoints = kpoints; self.distance = distance; self.ticks = ticks; self.runStarts = runStarts
    }
}
