import Bindings
import Foundation
import PlaneWave

/// A VASP 5 POSCAR file (lengths in Å):
/// ```
/// GaAs                      comment
/// 5.653                     scale factor (negative: the cell volume in Å³; or three per-axis factors)
///  0.0 0.5 0.5              lattice vectors a1, a2, a3 (times the scale factor)
///  0.5 0.0 0.5
///  0.5 0.5 0.0
/// Ga As                     species (VASP 5 species line; element symbols, POTCAR suffixes like Ga_d allowed)
/// 1 1                       number of atoms of each species
/// Selective dynamics        (optional)
/// Direct                    Direct (reduced) or Cartesian (Å, times the scale factor)
/// 0.00 0.00 0.00            one position per atom (trailing flags/labels ignored)
/// 0.25 0.25 0.25
/// ```
public struct Poscar: Sendable, Equatable {
    public let comment: String
    /// Lattice in bohr.
    public let lattice: Lattice
    /// Atoms at reduced coordinates, in file order.
    public let atoms: [Atom]

    /// Parses POSCAR text. Errors are `InputError(field, "<name> line N: …")`.
    public static func parse(_ text: String, name: String = "POSCAR", field: String = "structure.poscar") throws -> Poscar {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var i = 0          // next line to read (0-based)
        var current = 0    // the line read last
        func fail(_ message: String, line: Int? = nil) -> InputError {
            InputError(field, "\(name) line \((line ?? current) + 1): \(message)")
        }
        func next(_ what: String) throws -> [String] {
            guard i < lines.count, !lines[i].isEmpty else {
                throw fail(i < lines.count ? "blank line; expected \(what)" : "unexpected end of file; expected \(what)", line: i)
            }
            current = i
            i += 1
            return lines[current].split(whereSeparator: \.isWhitespace).map(String.init)
        }
        func numbers(_ fields: [String], count: Int, _ what: String) throws -> [Double] {
            guard fields.count >= count else { throw fail("expected \(count) numbers (\(what)), got '\(fields.joined(separator: " "))'") }
            return try fields.prefix(count).map {
                guard let v = Double($0), v.isFinite else { throw fail("'\($0)' in \(what) is not a number") }
                return v
            }
        }

        guard i < lines.count else { throw fail("the file is empty") }
        let comment = lines[0]
        i = 1
        let scaleFields = try next("the scale factor")
        let scales: [Double]
        if scaleFields.count >= 3, let _ = Double(scaleFields[1]) {
            scales = try numbers(scaleFields, count: 3, "the scale factors")
            guard scales.allSatisfy({ $0 > 0 }) else { throw fail("per-axis scale factors must be positive") }
        } else {
            scales = try numbers(scaleFields, count: 1, "the scale factor")
            guard scales[0] != 0 else { throw fail("the scale factor must not be zero") }
        }
        var raw: [SIMD3<Double>] = []
        for k in 1...3 {
            let v = try numbers(try next("lattice vector a\(k)"), count: 3, "lattice vector a\(k)")
            raw.append(SIMD3(v[0], v[1], v[2]))
        }
        // Scale factors (per Cartesian axis) taking the file's numbers to Å; they apply to the
        // lattice vectors and to Cartesian positions alike.
        let scale: SIMD3<Double>
        if scales.count == 3 {
            scale = SIMD3(scales[0], scales[1], scales[2])
        } else if scales[0] < 0 {
            let v0 = abs(dot(raw[0], cross(raw[1], raw[2])))
            guard v0 > 1e-12 else { throw fail("the lattice vectors span no volume", line: 2) }
            scale = SIMD3(repeating: cbrt(-scales[0] / v0))
        } else {
            scale = SIMD3(repeating: scales[0])
        }
        let vectorsA = raw.map { $0 * scale }

        let speciesLine = i
        let speciesFields = try next("the species line (element symbols)")
        if speciesFields.allSatisfy({ Int($0) != nil }) {
            throw fail("expected the species line (VASP 5 format: element symbols before the atom counts), got numbers", line: speciesLine)
        }
        let species = speciesFields.map { s -> String in
            // POTCAR labels such as "Ga_d" or "Ga_d/1a2b3c": keep the element part.
            String(s.split(separator: "/").first ?? Substring(s)).split(separator: "_").first.map(String.init) ?? s
        }
        for (k, s) in species.enumerated() where Elements.atomicNumber(s) == nil {
            throw fail("unknown element '\(speciesFields[k])'", line: speciesLine)
        }
        let countLine = i
        let countFields = try next("the atom counts")
        guard countFields.count == species.count else {
            throw fail("\(countFields.count) atom counts for \(species.count) species", line: countLine)
        }
        let counts = try countFields.map { f -> Int in
            guard let n = Int(f), n >= 0 else { throw fail("'\(f)' is not a number of atoms", line: countLine) }
            return n
        }
        let total = counts.reduce(0, +)
        guard total > 0 else { throw fail("no atoms", line: countLine) }

        var mode = try next("Direct or Cartesian")
        if let c = mode.first?.first, c == "S" || c == "s" { mode = try next("Direct or Cartesian") }
        guard let m = mode.first?.first else { throw fail("expected Direct or Cartesian") }
        let cartesian: Bool
        switch m {
        case "D", "d": cartesian = false
        case "C", "c", "K", "k": cartesian = true
        default: throw fail("expected Direct or Cartesian, got '\(mode.joined(separator: " "))'")
        }

        let lattice = Lattice(vectorsA[0] * Units.angstrom, vectorsA[1] * Units.angstrom, vectorsA[2] * Units.angstrom)
        var atoms: [Atom] = []
        for (s, n) in zip(species, counts) {
            for _ in 0..<n {
                let v = try numbers(try next("\(total) atomic positions"), count: 3, "an atomic position")
                var x = SIMD3(v[0], v[1], v[2])
                if cartesian { x = lattice.reduced(cartesian: x * scale * Units.angstrom) }
                atoms.append(Atom(s, x))
            }
        }
        return Poscar(comment: comment, lattice: lattice, atoms: atoms)
    }

    /// Reads a POSCAR file.
    public static func read(path: String, field: String = "structure.poscar") throws -> Poscar {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw InputError(field, "cannot read POSCAR '\(path)': \(why)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(field, "POSCAR '\(path)' is not UTF-8 text")
        }
        return try parse(text, name: (path as NSString).lastPathComponent, field: field)
    }

    /// The validated crystal (engine errors are reported under `field`).
    public func crystal(field: String = "structure.poscar") throws -> Crystal {
        do { return try Crystal(lattice: lattice, atoms: atoms) } catch let e as InputError {
            throw InputError(field, e.description)
        }
    }
}
