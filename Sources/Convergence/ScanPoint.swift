import Foundation
import Input
import PlaneWave

/// One point of a scan: a stage and the parameters of its SCF.
public struct ScanPoint: Codable, Sendable, Hashable {
    /// `stage/ecut=…Ha,k=…,a=…Å` (the journal's `id`).
    public var id: String
    public var stage: String
    /// Position within the stage in parameter order (for `point_overrides`).
    public var index: Int
    public var ecut: Double
    public var kmesh: [Int]
    public var kshift: [Int]
    /// Conventional lattice constant (bohr); nil = the structure as given (no `a`).
    public var a: Double?
    /// Estimated relative cost (see `ScanCostModel`).
    public var cost: Double
    /// Irreducible k-points (from the cost model).
    public var irreducibleK: Int

    public init(id: String, stage: String, index: Int, ecut: Double, kmesh: [Int], kshift: [Int], a: Double?, cost: Double,
                irreducibleK: Int) {
        self.id = id; self.stage = stage; self.index = index; self.ecut = ecut; self.kmesh = kmesh; self.kshift = kshift
        self.a = a; self.cost = cost; self.irreducibleK = irreducibleK
    }

    /// The parameters without the stage: two stages planning the same parameters share one SCF.
    public var key: String { ScanPoint.key(ecut: ecut, kmesh: kmesh, kshift: kshift, a: a) }

    public static func key(ecut: Double, kmesh: [Int], kshift: [Int], a: Double?) -> String {
        var s = "ecut=\(formatNumber(ecut))Ha,k=\(kmesh.map(String.init).joined(separator: "x"))"
        if kshift != [0, 0, 0] { s += ",shift=\(kshift.map(String.init).joined(separator: ""))" }
        if let a { s += ",a=\(formatNumber(a / Units.angstrom))Å" }
        return s
    }

    /// The parameter text for progress lines: `ecut 12 Ha, k 2x2x2, a 5.653 Å`.
    public var parameters: String {
        var s = "ecut \(formatNumber(ecut)) Ha, k \(kmesh.map(String.init).joined(separator: "x"))"
        if let a { s += ", a \(String(format: "%.4f", a / Units.angstrom)) Å" }
        return s
    }
}

/// `%.10g` without trailing noise: 12, 12.5, 5.653.
public func formatNumber(_ x: Double) -> String {
    var s = String(format: "%.10g", x)
    if s.contains("e") { return s }
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}
