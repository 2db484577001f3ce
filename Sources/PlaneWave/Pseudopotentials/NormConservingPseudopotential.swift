import Foundation

/// A norm-conserving pseudopotential given as radial tables on a radial grid (`RadialGrid`: the
/// points r_k and dr/dk), as read from ABINIT's psp8 format (`Psp8`, linear from 0) or from UPF v2
/// (`UPF`, any grid), in atomic units:
///
/// - local part V_loc(r), which is −Z/r beyond the grid. Its transform is taken as
///   V(q) = 4π ∫ r² [V_loc(r) + Z erf(r)/r] j₀(qr) dr − 4πZ e^{−q²/4}/q²: the long-range tail
///   analytically, the short-range rest numerically; its G = 0 limit (ABINIT's "epsatm") is
///   ε = 4π ∫ r² [V_loc(r) + Z erf(r)/r] dr + πZ.
///   The short-range integrals stop at the first grid point beyond `localCutoffRadius` (10 bohr),
///   as Quantum ESPRESSO's do (`msh` in read_pseudo.f90, rcut = 10 bohr): beyond a few bohr
///   r·V_loc + Z is only the rounding of the file's printed digits (1e-7…1e-6 in ONCVPSP UPF files),
///   which the weight r amplifies into errors of ε far above the comparison tolerances (UPFTests
///   compare with pw.x). psp8 grids end before 10 bohr and are integrated whole.
/// - projectors β_i^l given as r·β(r) with couplings h_ij^l (Ha):
///   V_NL = Σ_lm Σ_ij |β_i^l Y_lm⟩ h_ij^l ⟨β_j^l Y_lm|, transforms 4π ∫ r² j_l(qr) β(r) dr.
/// - the model core charge ρ_c(r) (non-linear core correction), transform 4π ∫ r² j₀(qr) ρ_c(r) dr.
/// - optionally the atomic valence density ρ_v(r) (electrons/bohr³, so 4π ∫ r² ρ_v dr ≈ Z), transform
///   4π ∫ r² j₀(qr) ρ_v(r) dr, whose q = 0 value is the valence charge the table holds.
///
/// The radial integrals use the trapezoidal rule of `RadialGrid` over the whole grid (but for the local
/// part's cutoff above). Every transform is tabulated once per species on a uniform q grid (spacing
/// `tableSpacing`, 0.01 bohr⁻¹, up to `tableLimit`, 40 bohr⁻¹) and interpolated by cubic Lagrange
/// polynomials: against the direct integral the interpolation error is below 1e-8 of each function's
/// largest value for PseudoDojo Si (4e-10 for the potentials, 7e-9 for the valence density, measured
/// by `Psp8Tests`); beyond `tableLimit` the integral is evaluated directly.
public struct NormConservingPseudopotential: Pseudopotential {
    public let element: String
    public let name: String
    public let zion: Int
    /// The radial grid of every table.
    public let radialGrid: RadialGrid
    public let localPotential: [Double]
    /// r·β(r) of each projector, by channel.
    public let projectors: [[[Double]]]
    public let projectorChannels: [ProjectorChannel]
    /// ρ_c(r) (electrons/bohr³), nil without core correction.
    public let coreCharge: [Double]?
    /// ρ_v(r) of the neutral pseudo-atom (electrons/bohr³), nil when the file has none.
    public let valenceDensity: [Double]?
    public let localCoreTerm: Double

    public static let tableSpacing = 0.01
    public static let tableLimit = 40.0
    /// Radius (bohr) after whose first grid point the local part's integrals stop (see above).
    public static let localCutoffRadius = 10.0
    private let localTable: [Double]
    private let projectorTables: [[[Double]]]
    private let coreTable: [Double]?
    private let valenceTable: [Double]?
    /// r² [V(r) + Z erf(r)/r] on the grid up to the local cutoff.
    private let shortRangeLocal: [Double]
    /// r² ρ_c(r), the integrand of the core charge's transform beyond the table.
    private let r2CoreCharge: [Double]?

    /// `projectors[c][i]` is r·β of projector i of channel c (of angular momentum `channels[c].l`,
    /// couplings `channels[c].h`); all tables have the grid's length.
    public init(element: String, name: String, zion: Int, radialGrid: RadialGrid, localPotential: [Double],
                channels: [ProjectorChannel], projectors: [[[Double]]], coreCharge: [Double]?,
                valenceDensity: [Double]? = nil) {
        self.element = element; self.name = name; self.zion = zion
        self.radialGrid = radialGrid; self.localPotential = localPotential
        self.projectorChannels = channels; self.projectors = projectors; self.coreCharge = coreCharge
        self.valenceDensity = valenceDensity
        let grid = radialGrid
        let r = grid.r
        let z = Double(zion)
        // r² [V(r) + Z erf(r)/r], with erf(r)/r → 2/√π at r = 0
        let nLocal = grid.pointCount(through: Self.localCutoffRadius)
        let shortRange = (0..<nLocal).map { k in
            r[k] == 0 ? 0 : r[k] * r[k] * localPotential[k] + z * r[k] * erf(r[k])
        }
        shortRangeLocal = shortRange
        let localGrid = grid.prefix(nLocal)
        let rProjectors = projectors.map { ch in ch.map { u in u.indices.map { r[$0] * u[$0] } } }
        let r2Core = coreCharge.map { c in c.indices.map { r[$0] * r[$0] * c[$0] } }
        let r2Valence = valenceDensity.map { c in c.indices.map { r[$0] * r[$0] * c[$0] } }
        localCoreTerm = 4 * Double.pi * localGrid.integrate(shortRange) + Double.pi * z
        let qs = (0...Int((Self.tableLimit / Self.tableSpacing).rounded()) + 2).map { Double($0) * Self.tableSpacing }
        // every table in one pass over (q, r): the local part's function ends at its cutoff
        var functions: [(f: [Double], l: Int)] = [(shortRange, 0)]
        for (ch, us) in zip(channels, rProjectors) { functions += us.map { ($0, ch.l) } }
        if let r2Core { functions.append((r2Core, 0)) }
        if let r2Valence { functions.append((r2Valence, 0)) }
        var tables = grid.transforms(functions, at: qs)[...]
        localTable = tables.removeFirst()
        projectorTables = rProjectors.map { us in us.map { _ in tables.removeFirst() } }
        coreTable = r2Core.map { _ in tables.removeFirst() }
        valenceTable = r2Valence.map { _ in tables.removeFirst() }
        r2CoreCharge = r2Core
    }

    /// A potential on the linear grid r_k = k·Δr, k = 0..<localPotential.count (psp8).
    public init(element: String, name: String, zion: Int, radialSpacing: Double, localPotential: [Double],
                channels: [ProjectorChannel], projectors: [[[Double]]], coreCharge: [Double]?,
                valenceDensity: [Double]? = nil) {
        self.init(element: element, name: name, zion: zion,
                  radialGrid: RadialGrid(uniformSpacing: radialSpacing, count: localPotential.count),
                  localPotential: localPotential, channels: channels, projectors: projectors,
                  coreCharge: coreCharge, valenceDensity: valenceDensity)
    }

    public func localFourier(_ q: Double) -> Double {
        let z = Double(zion)
        let shortRange = q <= Self.tableLimit
            ? Self.interpolate(localTable, q)
            : radialGrid.prefix(shortRangeLocal.count).transform(shortRangeLocal, l: 0, q: q)
        return shortRange - 4 * Double.pi * z * exp(-q * q / 4) / (q * q)
    }

    public func projectorFourier(channel: Int, i: Int, q: [Double], scale: Double) -> [Double] {
        let table = projectorTables[channel][i]
        let l = projectorChannels[channel].l
        return q.map { q in
            if q <= Self.tableLimit { return scale * Self.interpolate(table, q) }
            let u = projectors[channel][i]
            let f = u.indices.map { radialGrid.r[$0] * u[$0] }
            return scale * radialGrid.transform(f, l: l, q: q)
        }
    }

    public var hasCoreCharge: Bool { coreCharge != nil }

    public func coreChargeFourier(_ q: Double) -> Double {
        guard let coreTable, let r2CoreCharge else { return 0 }
        if q <= Self.tableLimit { return Self.interpolate(coreTable, q) }
        return radialGrid.transform(r2CoreCharge, l: 0, q: q)
    }

    public var hasValenceDensity: Bool { valenceDensity != nil }

    public func valenceDensityFourier(_ q: Double) -> Double {
        guard let valenceTable, let valenceDensity else { return 0 }
        return tabulated(valenceTable, valenceDensity, q)
    }

    /// The transform of a density ρ(r) at q: from its table, or directly beyond it.
    private func tabulated(_ table: [Double], _ rho: [Double], _ q: Double) -> Double {
        if q <= Self.tableLimit { return Self.interpolate(table, q) }
        let r = radialGrid.r
        return radialGrid.transform(rho.indices.map { r[$0] * r[$0] * rho[$0] }, l: 0, q: q)
    }

    // MARK: derivatives (the stress)

    /// d/dq of the interpolated transform (the derivative of the same cubic piece), beyond the
    /// table by the protocol's central difference of the direct integral.
    public func localFourierDerivative(_ q: Double) -> Double {
        guard q <= Self.tableLimit else { return fourthOrderDerivative(at: q) { localFourier($0) } }
        let z = Double(zion)
        // d/dq [−4πZ e^{−q²/4}/q²] = 4πZ e^{−q²/4} (2/q³ + 1/(2q))
        return Self.interpolateDerivative(localTable, q) + 4 * Double.pi * z * exp(-q * q / 4) * (2 / (q * q * q) + 1 / (2 * q))
    }

    public func projectorFourierDerivative(channel: Int, i: Int, q: [Double], scale: Double) -> [Double] {
        let table = projectorTables[channel][i]
        return q.map { q in
            if q <= Self.tableLimit { return scale * Self.interpolateDerivative(table, q) }
            return fourthOrderDerivative(at: q) { projectorFourier(channel: channel, i: i, q: [$0], scale: scale)[0] }
        }
    }

    public func coreChargeFourierDerivative(_ q: Double) -> Double {
        guard let coreTable else { return 0 }
        if q <= Self.tableLimit { return Self.interpolateDerivative(coreTable, q) }
        return fourthOrderDerivative(at: q) { coreChargeFourier($0) }
    }

    /// d/dq of `interpolate`'s cubic on the same four nodes.
    static func interpolateDerivative(_ table: [Double], _ q: Double) -> Double {
        let x = q / tableSpacing
        let k = min(max(Int(x) - 1, 0), table.count - 4)
        let t = x - Double(k)
        let (t0, t1, t2, t3) = (t, t - 1, t - 2, t - 3)
        let d = -table[k] * (t2 * t3 + t1 * t3 + t1 * t2) / 6 + table[k + 1] * (t2 * t3 + t0 * t3 + t0 * t2) / 2
            - table[k + 2] * (t1 * t3 + t0 * t3 + t0 * t1) / 2 + table[k + 3] * (t1 * t2 + t0 * t2 + t0 * t1) / 6
        return d / tableSpacing
    }

    // MARK: tables

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

/// j_0(x) … j_L(x) (L ≤ 3) into `j`, equal to `sphericalBessel(l, x)` for each l, from one sine and one cosine.
func sphericalBessels(upTo maxL: Int, _ x: Double, into j: inout [Double]) {
    if x < 0.2 {
        for l in 0...maxL { j[l] = sphericalBessel(l, x) }
        return
    }
    let s = sin(x), c = cos(x)
    j[0] = s / x
    if maxL >= 1 { j[1] = s / (x * x) - c / x }
    if maxL >= 2 { j[2] = (3 / (x * x * x) - 1 / x) * s - 3 * c / (x * x) }
    if maxL >= 3 { j[3] = (15 / (x * x * x * x) - 6 / (x * x)) * s - (15 / (x * x * x) - 1 / x) * c }
    precondition(maxL <= 3, "spherical Bessel l=\(maxL)")
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
