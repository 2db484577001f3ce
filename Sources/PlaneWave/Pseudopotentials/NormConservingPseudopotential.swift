import Foundation

/// A norm-conserving pseudopotential given as radial tables on a uniform grid r_k = k·Δr starting
/// at 0 (ONCVPSP, as read from ABINIT's psp8 format by `Psp8`), in atomic units:
///
/// - local part V_loc(r), which is −Z/r beyond the grid. Its transform is taken as
///   V(q) = 4π ∫ r² [V_loc(r) + Z erf(r)/r] j₀(qr) dr − 4πZ e^{−q²/4}/q²: the long-range tail
///   analytically, the short-range rest numerically; its G = 0 limit (ABINIT's "epsatm") is
///   ε = 4π ∫ r² [V_loc(r) + Z erf(r)/r] dr + πZ.
/// - projectors β_i^l given as r·β(r) with diagonal couplings e_i^l (ABINIT's ekb, Ha):
///   V_NL = Σ_lm Σ_i |β_i^l Y_lm⟩ e_i^l ⟨β_i^l Y_lm|, transforms 4π ∫ r² j_l(qr) β(r) dr.
/// - the model core charge ρ_c(r) (non-linear core correction), transform 4π ∫ r² j₀(qr) ρ_c(r) dr.
///
/// The radial integrals use the trapezoidal rule on the file's grid (the integrands vanish with
/// their odd derivatives at r = 0 and decay at the grid's end, so the rule is accurate to high order).
/// Every transform is tabulated once per species on a uniform q grid (spacing `tableSpacing`,
/// 0.01 bohr⁻¹, up to `tableLimit`, 40 bohr⁻¹) and interpolated by cubic Lagrange polynomials:
/// against the direct integral the interpolation error is below 1e-9 of each function's largest
/// value for PseudoDojo Si (4e-10, measured by `Psp8Tests`); beyond `tableLimit` the integral is
/// evaluated directly. Tabulating costs about 0.3 s per species.
public struct NormConservingPseudopotential: Pseudopotential {
    public let element: String
    public let name: String
    public let zion: Int
    /// Radial grid spacing Δr (bohr); the grid is r_k = k·Δr, k = 0..<count.
    public let radialSpacing: Double
    public let localPotential: [Double]
    /// r·β(r) of each projector, by channel.
    public let projectors: [[[Double]]]
    public let projectorChannels: [ProjectorChannel]
    /// ρ_c(r) (electrons/bohr³), nil without core correction.
    public let coreCharge: [Double]?
    public let localCoreTerm: Double

    public static let tableSpacing = 0.01
    public static let tableLimit = 40.0
    private let localTable: [Double]
    private let projectorTables: [[[Double]]]
    private let coreTable: [Double]?

    /// `projectors[c][i]` is r·β of projector i of channel c (of angular momentum `channels[c].l`,
    /// couplings `channels[c].h`); all tables have the grid's length.
    public init(element: String, name: String, zion: Int, radialSpacing: Double, localPotential: [Double],
                channels: [ProjectorChannel], projectors: [[[Double]]], coreCharge: [Double]?) {
        self.element = element; self.name = name; self.zion = zion
        self.radialSpacing = radialSpacing; self.localPotential = localPotential
        self.projectorChannels = channels; self.projectors = projectors; self.coreCharge = coreCharge
        let n = localPotential.count
        let r = (0..<n).map { Double($0) * radialSpacing }
        let z = Double(zion)
        // r² [V(r) + Z erf(r)/r], with erf(r)/r → 2/√π at r = 0
        let shortRange = (0..<n).map { k in
            r[k] == 0 ? 0 : r[k] * r[k] * localPotential[k] + z * r[k] * erf(r[k])
        }
        let rProjectors = projectors.map { ch in ch.map { u in (0..<n).map { r[$0] * u[$0] } } }
        let r2Core = coreCharge.map { c in (0..<n).map { r[$0] * r[$0] * c[$0] } }
        localCoreTerm = 4 * Double.pi * Self.trapezoid(shortRange, radialSpacing) + Double.pi * z
        let qs = (0...Int((Self.tableLimit / Self.tableSpacing).rounded()) + 2).map { Double($0) * Self.tableSpacing }
        localTable = qs.map { Self.transform(shortRange, l: 0, q: $0, dr: radialSpacing) }
        projectorTables = zip(channels, rProjectors).map { ch, us in
            us.map { u in qs.map { Self.transform(u, l: ch.l, q: $0, dr: radialSpacing) } }
        }
        coreTable = r2Core.map { f in qs.map { Self.transform(f, l: 0, q: $0, dr: radialSpacing) } }
    }

    public func localFourier(_ q: Double) -> Double {
        let z = Double(zion)
        let shortRange = q <= Self.tableLimit ? Self.interpolate(localTable, q) : directLocal(q)
        return shortRange - 4 * Double.pi * z * exp(-q * q / 4) / (q * q)
    }

    private func directLocal(_ q: Double) -> Double {
        let z = Double(zion)
        let f = localPotential.indices.map { k -> Double in
            let r = Double(k) * radialSpacing
            return r == 0 ? 0 : r * r * localPotential[k] + z * r * erf(r)
        }
        return Self.transform(f, l: 0, q: q, dr: radialSpacing)
    }

    public func projectorFourier(channel: Int, i: Int, q: [Double], scale: Double) -> [Double] {
        let table = projectorTables[channel][i]
        let l = projectorChannels[channel].l
        return q.map { q in
            if q <= Self.tableLimit { return scale * Self.interpolate(table, q) }
            let u = projectors[channel][i]
            let f = u.indices.map { Double($0) * radialSpacing * u[$0] }
            return scale * Self.transform(f, l: l, q: q, dr: radialSpacing)
        }
    }

    public var hasCoreCharge: Bool { coreCharge != nil }

    public func coreChargeFourier(_ q: Double) -> Double {
        guard let coreTable, let coreCharge else { return 0 }
        if q <= Self.tableLimit { return Self.interpolate(coreTable, q) }
        let f = coreCharge.indices.map { k -> Double in let r = Double(k) * radialSpacing; return r * r * coreCharge[k] }
        return Self.transform(f, l: 0, q: q, dr: radialSpacing)
    }

    // MARK: radial transforms

    /// 4π ∫ f(r) j_l(qr) dr on the grid r_k = k·dr (f already carries the r² weight).
    static func transform(_ f: [Double], l: Int, q: Double, dr: Double) -> Double {
        var s = 0.0
        for k in f.indices where f[k] != 0 {
            let w = k == 0 || k == f.count - 1 ? 0.5 : 1
            s += w * f[k] * sphericalBessel(l, q * Double(k) * dr)
        }
        return 4 * Double.pi * s * dr
    }

    static func trapezoid(_ f: [Double], _ dr: Double) -> Double {
        guard f.count > 1 else { return 0 }
        return (f.reduce(0, +) - 0.5 * (f[0] + f[f.count - 1])) * dr
    }

    /// Cubic Lagrange interpolation of a table on q_k = k·`tableSpacing`.
    static func interpolate(_ table: [Double], _ q: Double) -> Double {
        let x = q / tableSpacing
        let k = min(max(Int(x) - 1, 0), table.count - 4)
        let t = x - Double(k)   // position relative to node k, in [0, 3]
        let (t0, t1, t2, t3) = (t, t - 1, t - 2, t - 3)
        return -table[k] * t1 * t2 * t3 / 6 + table[k + 1] * t0 * t2 * t3 / 2
            - table[k + 2] * t0 * t1 * t3 / 2 + table[k + 3] * t0 * t1 * t2 / 6
    }
}

/// Spherical Bessel function j_l(x) for l ≤ 3 (series below x = 0.2, where the closed forms cancel).
func sphericalBessel(_ l: Int, _ x: Double) -> Double {
    if x < 0.2 {
        let x2 = x * x
        let (lead, a): (Double, Double)
        switch l {
        case 0: lead = 1; a = 3
        case 1: lead = x / 3; a = 5
        case 2: lead = x * x / 15; a = 7
        case 3: lead = x * x * x / 105; a = 9
        default: preconditionFailure("spherical Bessel l=\(l)")
        }
        // 1 − x²/(2a) + x⁴/(8a(a+2)) − x⁶/(48a(a+2)(a+4)), a = 2l+3
        return lead * (1 - x2 / (2 * a) * (1 - x2 / (4 * (a + 2)) * (1 - x2 / (6 * (a + 4)))))
    }
    let s = sin(x), c = cos(x)
    switch l {
    case 0: return s / x
    case 1: return s / (x * x) - c / x
    case 2: return (3 / (x * x * x) - 1 / x) * s - 3 * c / (x * x)
    case 3: return (15 / (x * x * x * x) - 6 / (x * x)) * s - (15 / (x * x * x) - 1 / x) * c
    default: preconditionFailure("spherical Bessel l=\(l)")
    }
}
