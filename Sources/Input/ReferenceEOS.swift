import Bindings
import Foundation
import PlaneWave

/// A reference equation of state (e.g. the all-electron one of the ACWF data set) that a lattice
/// scan's Birch–Murnaghan fit is verified against with Δ, ν and ε (`EOSVerification`). Per atom:
///
/// ```yaml
/// analysis:
///   reference_eos: {V0: 20.453 Å³/atom, B0: 88.5 GPa, B1: 4.32}
///   # or a JSON file (relative to the config): reference_eos: si-ae.json
///   #   {"V0_angstrom3_per_atom": 20.453, "B0_GPa": 88.5, "B1": 4.32, "source": "…"}
/// ```
public struct ReferenceEOS: Codable, Sendable, Equatable {
    /// Equilibrium volume per atom (Å³).
    public var V0_angstrom3_per_atom: Double
    /// Bulk modulus (GPa).
    public var B0_GPa: Double
    /// dB/dP at V0.
    public var B1: Double
    /// Where the numbers come from (the JSON file, or the config).
    public var source: String?

    public init(V0_angstrom3_per_atom: Double, B0_GPa: Double, B1: Double, source: String? = nil) {
        self.V0_angstrom3_per_atom = V0_angstrom3_per_atom; self.B0_GPa = B0_GPa; self.B1 = B1; self.source = source
    }

    public static let keys = ["V0", "B0", "B1"]
    public static let fileKeys = ["V0_angstrom3_per_atom", "B0_GPa", "B1", "source"]

    /// `analysis.reference_eos`: a mapping {V0, B0, B1} with units, or the path of a JSON file.
    static func read(_ node: ConfigNode) throws -> ReferenceEOS {
        if case .scalar = node.node {
            let path = try node.string(expected: "a JSON file or a mapping {V0: 20.45 Å³/atom, B0: 88 GPa, B1: 4.3}")
            return try load(path: path, base: node.document.baseDirectory, node: node)
        }
        let m = try node.mapping(allowed: keys, expected: "a mapping {V0: 20.45 Å³/atom, B0: 88 GPa, B1: 4.3} or a JSON file")
        var errors: [InputError] = []
        var v0 = 0.0, b0 = 0.0, b1 = 0.0
        do { v0 = try volumePerAtom(try m.required("V0", "a volume per atom, e.g. 20.45 Å³/atom")) } catch let e as InputError { errors.append(e) }
        do { b0 = try bulkModulus(try m.required("B0", "a bulk modulus, e.g. 88 GPa")) } catch let e as InputError { errors.append(e) }
        do { b1 = try derivative(try m.required("B1", "the pressure derivative of the bulk modulus, e.g. 4.3")) } catch let e as InputError { errors.append(e) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return ReferenceEOS(V0_angstrom3_per_atom: v0, B0_GPa: b0, B1: b1, source: node.document.file.map { "\($0): \(node.path)" })
    }

    static func load(path: String, base: URL, node: ConfigNode) throws -> ReferenceEOS {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw node.error("cannot read reference EOS file '\(url.path)': no such file or not readable")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let d = object as? [String: Any] else {
            throw node.error("'\(url.path)' is not a JSON object {\"V0_angstrom3_per_atom\": …, \"B0_GPa\": …, \"B1\": …}")
        }
        if let unknown = d.keys.sorted().first(where: { !fileKeys.contains($0) }) {
            throw node.error("'\(url.path)': unknown key '\(unknown)'; allowed keys: \(fileKeys.joined(separator: ", "))")
        }
        func number(_ k: String) throws -> Double {
            guard let x = (d[k] as? NSNumber)?.doubleValue, x.isFinite else {
                throw node.error("'\(url.path)': \(k) \(d[k].map { "'\($0)'" } ?? "is missing"); expected a number")
            }
            return x
        }
        let r = ReferenceEOS(V0_angstrom3_per_atom: try number("V0_angstrom3_per_atom"), B0_GPa: try number("B0_GPa"),
                             B1: try number("B1"), source: (d["source"] as? String).map { "\(url.path): \($0)" } ?? url.path)
        try r.check(node)
        return r
    }

    func check(_ node: ConfigNode) throws {
        guard V0_angstrom3_per_atom > 0, V0_angstrom3_per_atom < 1000 else {
            throw node.error("V0 = \(V0_angstrom3_per_atom) Å³/atom is outside the allowed 0–1000 Å³/atom")
        }
        guard B0_GPa > 0, B0_GPa < 2000 else { throw node.error("B0 = \(B0_GPa) GPa is outside the allowed 0–2000 GPa") }
        guard B1 > 1, B1 < 20 else { throw node.error("B1 = \(B1) is outside the allowed 1–20") }
    }

    /// `20.45 Å³/atom` (also A^3/atom, bohr³/atom) in Å³.
    static func volumePerAtom(_ n: ConfigNode) throws -> Double {
        let t = try n.scalar(expected: "a volume per atom such as 20.45 Å³/atom")
        let allowed = "Å³/atom (also A^3/atom) or bohr³/atom"
        guard t.hasSuffix("/atom") else { throw n.error("'\(t)' is not a volume per atom; allowed units: \(allowed)") }
        let v = try VolumeWindow.readVolume(n, atoms: 1) / pow(Units.angstrom, 3)
        guard v < 1000 else { throw n.error("'\(t)' is outside the allowed 0–1000 Å³/atom") }
        return v
    }

    /// Pressure units (value in GPa).
    static let pressureUnits: [String: Double] = ["GPa": 1, "kbar": 0.1, "MPa": 1e-3, "eV/Å³": 160.21766208, "eV/Å^3": 160.21766208,
                                                  "eV/A^3": 160.21766208, "Ha/bohr³": Units.hartreePerBohr3InGPa,
                                                  "Ha/bohr^3": Units.hartreePerBohr3InGPa]

    /// `88 GPa` (also kbar, MPa, eV/Å³, Ha/bohr³) in GPa.
    static func bulkModulus(_ n: ConfigNode) throws -> Double {
        let t = try n.scalar(expected: "a bulk modulus such as 88 GPa")
        let allowed = "GPa, kbar, MPa, eV/Å³ (also eV/A^3), Ha/bohr³"
        guard let (x, unit) = Quantity.splitNumber(t.trimmingCharacters(in: .whitespaces)), x.isFinite else {
            throw n.error("'\(t)' is not a bulk modulus; allowed units: \(allowed)")
        }
        guard !unit.isEmpty else { throw n.error("'\(t)' needs a unit; allowed units: \(allowed)") }
        guard let f = pressureUnits[unit] else { throw n.error("'\(t)' has unknown unit '\(unit)'; allowed units: \(allowed)") }
        let b = x * f
        guard b > 0, b < 2000 else { throw n.error("\(t) is outside the allowed 0–2000 GPa") }
        return b
    }

    static func derivative(_ n: ConfigNode) throws -> Double {
        let x = try n.number(expected: "a number such as 4.3 (dB/dP, no unit)")
        guard x > 1, x < 20 else { throw n.error("\(shortNumber(x)) is outside the allowed 1–20 (dB/dP is 3–6 for solids)") }
        return x
    }

    /// A pressure such as `0.5 GPa` (also kbar, MPa) in GPa, positive.
    static func pressure(_ n: ConfigNode) throws -> Double {
        let t = try n.scalar(expected: "a pressure such as 0.5 GPa")
        guard let (x, unit) = Quantity.splitNumber(t.trimmingCharacters(in: .whitespaces)), x.isFinite,
              let f = ["GPa": 1, "kbar": 0.1, "MPa": 1e-3][unit] else {
            throw n.error("'\(t)' is not a pressure; allowed units: GPa, kbar, MPa (e.g. 0.5 GPa)")
        }
        guard x > 0 else { throw n.error("\(t) must be positive") }
        return x * f
    }
}
