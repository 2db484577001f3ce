/// A Bravais lattice given by its three primitive vectors aᵢ (bohr, Cartesian).
/// Reciprocal vectors satisfy aᵢ·bⱼ = 2π δᵢⱼ; reduced coordinates x give r = Σ xᵢ aᵢ,
/// Miller indices m give G = Σ mᵢ bᵢ.
public struct Lattice: Sendable, Equatable {
    public let vectors: [SIMD3<Double>]
    public let reciprocal: [SIMD3<Double>]
    public let volume: Double

    public init(_ a1: SIMD3<Double>, _ a2: SIMD3<Double>, _ a3: SIMD3<Double>) {
        vectors = [a1, a2, a3]
        let v = dot(a1, cross(a2, a3))
        volume = abs(v)
        let f = 2 * Double.pi / v
        reciprocal = [f * cross(a2, a3), f * cross(a3, a1), f * cross(a1, a2)]
    }

    /// Primitive FCC cell with cubic lattice constant `a`: a/2·(0,1,1), (1,0,1), (1,1,0).
    public static func fcc(_ a: Double) -> Lattice {
        Lattice(SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0))
    }
    /// Primitive BCC cell: a/2·(−1,1,1), (1,−1,1), (1,1,−1).
    public static func bcc(_ a: Double) -> Lattice {
        Lattice(SIMD3(-a / 2, a / 2, a / 2), SIMD3(a / 2, -a / 2, a / 2), SIMD3(a / 2, a / 2, -a / 2))
    }
    /// Simple cubic cell of side `a`.
    public static func cubic(_ a: Double) -> Lattice {
        Lattice(SIMD3(a, 0, 0), SIMD3(0, a, 0), SIMD3(0, 0, a))
    }

    /// Scales every vector by `factor`.
    public func scaled(by factor: Double) -> Lattice {
        Lattice(factor * vectors[0], factor * vectors[1], factor * vectors[2])
    }

    @inlinable public func cartesian(reduced x: SIMD3<Double>) -> SIMD3<Double> {
        x.x * vectors[0] + x.y * vectors[1] + x.z * vectors[2]
    }

    /// Cartesian wave vector of reduced reciprocal coordinates (k or Miller indices).
    @inlinable public func reciprocalCartesian(_ m: SIMD3<Double>) -> SIMD3<Double> {
        m.x * reciprocal[0] + m.y * reciprocal[1] + m.z * reciprocal[2]
    }

    /// Reduced coordinates of a Cartesian position: xᵢ = r·bᵢ / 2π.
    public func reduced(cartesian r: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(dot(r, reciprocal[0]), dot(r, reciprocal[1]), dot(r, reciprocal[2])) / (2 * Double.pi)
    }

    /// Lengths |aᵢ|.
    public var lengths: SIMD3<Double> { SIMD3(norm(vectors[0]), norm(vectors[1]), norm(vectors[2])) }
}

@inlinable public func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
@inlinable public func norm(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }
@inlinable public func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
