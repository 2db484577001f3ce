import Bindings
import Foundation
import PlaneWave

/// The volume window of `stages.lattice: {mode: volume}`: the cell scaled isotropically (reduced
/// positions, c/a and the angles fixed) to the volumes V_i = f_i · V0. The default is the ACWF
/// protocol (Bosoni et al., Nat. Rev. Phys. 6, 45 (2024)): 7 points, f = 0.94, 0.96, …, 1.06, V0 the
/// structure's volume.
///
/// ```yaml
/// stages:
///   lattice:
///     mode: volume             # a (default): the lattice constant; volume: this window
///     V0: 20.45 Å³/atom        # default: the structure's volume; Å³ or bohr³, per cell or /atom
///     window: 6 %              # f from 1 − window to 1 + window
///     points: 7                # at least 5 (the equation of state has 4 parameters)
/// ```
///
/// The scan's points stay lattice constants: a_i = a · (V_i / V)^{1/3} with a and V the
/// structure's (the cell is rescaled as for `mode: a`).
public struct VolumeWindow: Sendable, Equatable, Codable {
    /// V0 of the window (bohr³ per cell).
    public var V0_bohr3: Double
    /// V_i / V0, ascending.
    public var factors: [Double]
    /// The window's half width (fraction of V0).
    public var halfWidth: Double

    public static let keys = ["mode", "V0", "window", "points"]
    /// The ACWF protocol's window: ± 6 % in 7 points.
    public static let acwfHalfWidth = 0.06
    public static let acwfPoints = 7

    public init(V0_bohr3: Double, halfWidth: Double = acwfHalfWidth, points: Int = acwfPoints) {
        self.V0_bohr3 = V0_bohr3
        self.halfWidth = halfWidth
        factors = (0..<points).map { 1 - halfWidth + 2 * halfWidth * Double($0) / Double(points - 1) }
    }

    /// The volumes (bohr³ per cell), ascending.
    public var volumes_bohr3: [Double] { factors.map { $0 * V0_bohr3 } }

    /// The lattice constants (bohr) of the volumes for a cell of lattice constant `a` (bohr) and volume `volume` (bohr³).
    public func latticeConstants(a: Double, volume: Double) -> [Double] {
        volumes_bohr3.map { a * pow($0 / volume, 1.0 / 3) }
    }

    /// Reads the mapping of `stages.lattice` with `mode: volume` for a cell of `volume` (bohr³) with `atoms` atoms.
    static func read(_ m: ConfigMapping, volume: Double?, atoms: Int) throws -> VolumeWindow {
        for k in ["values", "center", "range"] where m.contains(k) {
            throw m[k]!.error("is only used with mode: a; mode: volume takes V0, window and points")
        }
        var errors: [InputError] = []
        var v0 = volume
        do {
            if let n = m["V0"] { v0 = try readVolume(n, atoms: atoms) }
        } catch let e as InputError { errors.append(e) }
        var points = acwfPoints
        do {
            if let p = m["points"] {
                points = try p.integer(expected: "a number of volumes")
                guard points >= 5 else { throw p.error("\(points) is too few volumes: an equation of state needs at least 5 (ACWF: 7)") }
                guard points <= 101 else { throw p.error("\(points) is too many volumes (maximum 101)") }
            }
        } catch let e as InputError { errors.append(e) }
        var half = acwfHalfWidth
        do {
            if let w = m["window"] {
                let t = try w.string(expected: "a relative half width such as 6 %")
                let number = t.hasSuffix("%") ? Double(t.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 } : nil
                guard let x = number, x.isFinite else { throw w.error("'\(t)' is not a percentage; allowed: a half width from 0.5 % to 30 % (e.g. 6 %)") }
                guard x >= 0.005, x <= 0.3 else { throw w.error("\(t) is outside the allowed half widths 0.5 % to 30 % (ACWF: 6 %)") }
                half = x
            }
        } catch let e as InputError { errors.append(e) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        guard let v0 else { throw m.node.error("mode: volume needs V0 (the structure gives no volume)") }
        return VolumeWindow(V0_bohr3: v0, halfWidth: half, points: points)
    }

    /// Volume units (value in bohr³).
    static let volumeUnits: [String: Double] = {
        let a3 = pow(Units.angstrom, 3)
        var u: [String: Double] = [:]
        for n in ["Å³", "Å^3", "A^3", "A3", "Å3", "angstrom^3", "Angstrom^3", "ang^3"] { u[n] = a3 }
        for n in ["bohr³", "bohr^3", "bohr3", "Bohr^3", "a0^3"] { u[n] = 1 }
        return u
    }()

    /// `20.45 Å³/atom`, `40.9 Å³` (per cell), `276 bohr³`; the value in bohr³ per cell.
    static func readVolume(_ n: ConfigNode, atoms: Int) throws -> Double {
        let t = try n.scalar(expected: "a volume such as 20.45 Å³/atom")
        let allowed = "Å³ (also A^3), bohr³ (also bohr^3), per cell or per atom (e.g. 20.45 Å³/atom)"
        guard let (x, rest) = Quantity.splitNumber(t.trimmingCharacters(in: .whitespaces)), x.isFinite else {
            throw n.error("'\(t)' is not a volume; allowed units: \(allowed)")
        }
        var unit = rest
        var perAtom = false
        if unit.hasSuffix("/atom") { unit = String(unit.dropLast(5)).trimmingCharacters(in: .whitespaces); perAtom = true }
        guard !unit.isEmpty else { throw n.error("'\(t)' needs a unit; allowed units: \(allowed)") }
        guard let f = volumeUnits[unit] else { throw n.error("'\(t)' has unknown unit '\(unit)'; allowed units: \(allowed)") }
        guard x > 0 else { throw n.error("\(t) must be positive") }
        return x * f * (perAtom ? Double(atoms) : 1)
    }
}
