import Bindings
import Foundation
import PlaneWave

/// The physical dimension of a configuration value.
public enum PhysicalDimension: String, Sendable, CaseIterable {
    /// Hartree.
    case energy
    /// Bohr.
    case length
    /// Bohr⁻¹ (e.g. the Kerker screening wave vector).
    case inverseLength = "inverse length"
    /// Ha/bohr³ (e.g. a pressure tolerance).
    case pressure
    /// Ha/bohr (e.g. a force threshold).
    case force
}

/// A number with a unit, parsed from text such as `25 Ha`, `25Ha`, `50 Ry`, `680 eV`, `5.653 Å`,
/// `5.653 A`, `10.68 bohr`, `1 meV/atom` or a plain number (taken in the field's default unit),
/// `0.5 GPa`, `0.01 Ha/bohr` converted to Hartree atomic units (Ha, bohr, bohr⁻¹, Ha/bohr³, Ha/bohr).
public struct Quantity: Sendable, Equatable, CustomStringConvertible {
    /// The value in atomic units (Ha, bohr, bohr⁻¹, Ha/bohr³ or Ha/bohr; per atom if `perAtom`).
    public let value: Double
    public let dimension: PhysicalDimension
    /// Whether the unit was given per atom (`1 meV/atom`).
    public let perAtom: Bool
    /// The text as written (for messages).
    public let text: String

    public var description: String { text }

    /// Unit spellings (exact, case-sensitive: `meV` is not `MeV`) and their value in atomic units.
    static let units: [PhysicalDimension: [String: Double]] = {
        let kelvin = 8.617333262e-5 * Units.electronVolt   // k_B · 1 K in Ha (CODATA 2018)
        var energy: [String: Double] = [:]
        for n in ["Ha", "ha", "Hartree", "hartree", "Eh"] { energy[n] = 1 }
        for n in ["mHa", "mha", "mHartree", "millihartree"] { energy[n] = 1e-3 }
        for n in ["Ry", "ry", "Rydberg", "rydberg"] { energy[n] = Units.rydberg }
        for n in ["mRy", "mry"] { energy[n] = 1e-3 * Units.rydberg }
        for n in ["eV", "ev"] { energy[n] = Units.electronVolt }
        for n in ["meV", "mev"] { energy[n] = 1e-3 * Units.electronVolt }
        energy["K"] = kelvin
        var length: [String: Double] = [:]
        for n in ["bohr", "Bohr", "a0", "a_0"] { length[n] = Units.bohr }
        // "Å" also matches the decomposed A + ring and the Angstrom sign (canonical equivalence).
        for n in ["Å", "A", "angstrom", "Angstrom", "ang", "Ang", "AA"] { length[n] = Units.angstrom }
        length["nm"] = 10 * Units.angstrom
        length["pm"] = 0.01 * Units.angstrom
        var inverse: [String: Double] = [:]
        for n in ["1/bohr", "/bohr", "bohr^-1", "bohr-1", "bohr⁻¹", "1/Bohr", "Bohr^-1"] { inverse[n] = 1 / Units.bohr }
        for n in ["1/Å", "/Å", "Å^-1", "Å-1", "Å⁻¹", "1/A", "/A", "A^-1", "A-1", "1/angstrom", "angstrom^-1"] {
            inverse[n] = 1 / Units.angstrom
        }
        var pressure: [String: Double] = [:]
        pressure["GPa"] = 1 / Units.hartreePerBohr3InGPa
        pressure["MPa"] = 1e-3 / Units.hartreePerBohr3InGPa
        pressure["kbar"] = 0.1 / Units.hartreePerBohr3InGPa
        pressure["bar"] = 1e-4 / Units.hartreePerBohr3InGPa
        for n in ["Ha/bohr^3", "Ha/bohr3", "Ha/bohr³"] { pressure[n] = 1 }
        for n in ["eV/Å^3", "eV/Å3", "eV/Å³", "eV/A^3", "eV/A3"] { pressure[n] = Units.electronVolt / pow(Units.angstrom, 3) }
        var force: [String: Double] = [:]
        for n in ["Ha/bohr", "Ha/Bohr", "hartree/bohr"] { force[n] = 1 }
        force["mHa/bohr"] = 1e-3
        force["Ry/bohr"] = Units.rydberg
        for n in ["eV/Å", "eV/A", "eV/angstrom"] { force[n] = Units.electronVolt / Units.angstrom }
        force["meV/Å"] = 1e-3 * Units.electronVolt / Units.angstrom
        force["meV/A"] = 1e-3 * Units.electronVolt / Units.angstrom
        return [.energy: energy, .length: length, .inverseLength: inverse, .pressure: pressure, .force: force]
    }()

    /// The units to list in messages.
    public static func allowedUnits(_ dimension: PhysicalDimension) -> String {
        switch dimension {
        case .energy: "Ha, mHa, Ry, mRy, eV, meV, K"
        case .length: "bohr, Å (also A, angstrom), nm"
        case .inverseLength: "1/bohr, 1/Å"
        case .pressure: "GPa, MPa, kbar, bar, Ha/bohr^3, eV/Å^3"
        case .force: "Ha/bohr, mHa/bohr, Ry/bohr, eV/Å, meV/Å"
        }
    }

    /// Parses `text` as a quantity of `dimension`.
    /// - Parameters:
    ///   - field: the YAML path or option named in errors.
    ///   - defaultUnit: the unit of a plain number; nil means a unit is required.
    ///   - allowPerAtom: accept `…/atom` units (energies per atom).
    public static func parse(_ text: String, _ dimension: PhysicalDimension, field: String,
                             defaultUnit: String? = nil, allowPerAtom: Bool = false) throws -> Quantity {
        let t = text.trimmingCharacters(in: .whitespaces)
        let example = switch dimension {
        case .energy: "25 Ha"
        case .length: "5.653 Å"
        case .inverseLength: "0.8 1/bohr"
        case .pressure: "0.5 GPa"
        case .force: "0.01 Ha/bohr"
        }
        guard let (number, rest) = splitNumber(t) else {
            throw InputError(field, "'\(text)' is not a number with a unit (e.g. \(example); units: \(allowedUnits(dimension)))")
        }
        guard number.isFinite else { throw InputError(field, "'\(text)' is not a finite number") }
        var unit = rest
        var perAtom = false
        if let r = unit.range(of: "/atom", options: [.caseInsensitive, .anchored, .backwards]) {
            guard allowPerAtom else {
                throw InputError(field, "'\(text)': a per-atom unit is not allowed here (units: \(allowedUnits(dimension)))")
            }
            unit = String(unit[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
            perAtom = true
        }
        if unit.isEmpty {
            guard let d = defaultUnit else {
                throw InputError(field, "'\(text)' needs a unit (one of \(allowedUnits(dimension)))")
            }
            unit = d
        }
        guard let factor = units[dimension]?[unit] else {
            throw InputError(field, "'\(text)' has unknown unit '\(unit)'; allowed units: \(allowedUnits(dimension))"
                              + (allowPerAtom ? " (optionally per atom, e.g. 1 meV/atom)" : ""))
        }
        return Quantity(value: number * factor, dimension: dimension, perAtom: perAtom, text: t)
    }

    /// An energy in Ha (plain numbers in `defaultUnit`, Ha unless told).
    public static func energy(_ text: String, field: String, defaultUnit: String? = "Ha") throws -> Double {
        try parse(text, .energy, field: field, defaultUnit: defaultUnit).value
    }

    /// A length in bohr (plain numbers in `defaultUnit`; nil = a unit is required).
    public static func length(_ text: String, field: String, defaultUnit: String? = nil) throws -> Double {
        try parse(text, .length, field: field, defaultUnit: defaultUnit).value
    }

    /// Splits "25Ha" / "1e-9 Ha" / "-5" into the longest leading number and the (trimmed) rest.
    static func splitNumber(_ t: String) -> (Double, String)? {
        let chars = Array(t)
        let numeric = Set("0123456789+-.eE")
        var k = 0
        while k < chars.count, numeric.contains(chars[k]) { k += 1 }
        var j = k
        while j > 0 {
            if let v = Double(String(chars[0..<j])) {
                return (v, String(chars[j...]).trimmingCharacters(in: .whitespaces))
            }
            j -= 1
        }
        return nil
    }
}

/// Integer triples such as k-point meshes and FFT grids: `4x4x4`, `4 4 4`, `4,4,4`, `[4, 4, 4]`
/// or a single integer `4` (the same in every direction).
public enum IntegerTriple {
    /// Parses text; each value must be at least `minimum` and at most `maximum`.
    public static func parse(_ text: String, field: String, minimum: Int = 1, maximum: Int = 1000) throws -> [Int] {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("["), t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
        let parts = t.split(whereSeparator: { "xX×,".contains($0) || $0.isWhitespace }).map(String.init)
        let example = "e.g. 4x4x4, [4, 4, 4] or 4"
        guard !parts.isEmpty else { throw InputError(field, "is empty; expected three positive integers (\(example))") }
        var values: [Int] = []
        for p in parts {
            guard let v = Int(p) else {
                throw InputError(field, "'\(text)' is not three integers (\(example))")
            }
            values.append(v)
        }
        return try validate(values, text: text, field: field, minimum: minimum, maximum: maximum)
    }

    /// Checks a list: one value (repeated) or three, each in `minimum…maximum`.
    public static func validate(_ values: [Int], text: String? = nil, field: String, minimum: Int = 1, maximum: Int = 1000) throws -> [Int] {
        let shown = text.map { "'\($0)'" } ?? "\(values)"
        let triple: [Int]
        switch values.count {
        case 1: triple = [values[0], values[0], values[0]]
        case 3: triple = values
        case 0: throw InputError(field, "is empty; expected three positive integers (e.g. 4x4x4)")
        default: throw InputError(field, "\(shown) has \(values.count) values; expected three (e.g. 4x4x4) or one")
        }
        if let bad = triple.first(where: { $0 < minimum }) {
            throw InputError(field, "\(shown) must be \(minimum == 1 ? "positive integers" : "integers ≥ \(minimum)"), got \(bad)")
        }
        if let bad = triple.first(where: { $0 > maximum }) {
            throw InputError(field, "\(shown): \(bad) is implausibly large (maximum \(maximum))")
        }
        return triple
    }
}
