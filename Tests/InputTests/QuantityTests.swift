import Bindings
import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

@Suite("Quantities with units")
struct QuantityTests {
    func energy(_ s: String, perAtom: Bool = false) throws -> Double {
        try Quantity.parse(s, .energy, field: "f", defaultUnit: "Ha", allowPerAtom: perAtom).value
    }
    func length(_ s: String) throws -> Double {
        try Quantity.parse(s, .length, field: "f", defaultUnit: nil).value
    }

    @Test("energies in Ha, Ry, eV, meV; with or without a space; plain numbers in the default unit")
    func energies() throws {
        #expect(try energy("25 Ha") == 25)
        #expect(try energy("25Ha") == 25)
        #expect(try energy("25") == 25)
        #expect(try energy("50 Ry") == 25)
        #expect(abs(try energy("27.211386245988 eV") - 1) < 1e-14)
        #expect(abs(try energy("680 eV") - 680 / 27.211386245988) < 1e-12)
        #expect(abs(try energy("1 meV") - 1e-3 / 27.211386245988) < 1e-18)
        #expect(try energy("1e-9 Ha") == 1e-9)
        #expect(try energy("2.5mHa") == 2.5e-3)
        #expect(try energy("-5 Ha") == -5)
        #expect(abs(try energy("2eV") - 2 / 27.211386245988) < 1e-14)
        // A plain number with no default unit is an error; Ry as default.
        #expect(throws: InputError.self) { try Quantity.parse("25", .energy, field: "f", defaultUnit: nil) }
        #expect(try Quantity.parse("50", .energy, field: "f", defaultUnit: "Ry").value == 25)
    }

    @Test("per-atom energies are flagged and only allowed where asked for")
    func perAtom() throws {
        let q = try Quantity.parse("1 meV/atom", .energy, field: "scf.energy_tolerance", allowPerAtom: true)
        #expect(q.perAtom)
        #expect(abs(q.value - 1e-3 / 27.211386245988) < 1e-18)
        let plain = try Quantity.parse("1 meV", .energy, field: "scf.energy_tolerance", allowPerAtom: true)
        #expect(!plain.perAtom)
        do {
            _ = try Quantity.parse("1 meV/atom", .energy, field: "basis.ecut")
            Issue.record("per-atom accepted")
        } catch let e as InputError {
            #expect(e.field == "basis.ecut" && e.message.contains("per-atom"))
        }
    }

    @Test("lengths in Å, A, angstrom, bohr, nm")
    func lengths() throws {
        #expect(abs(try length("1 Å") - 1.8897261246) < 1e-9)
        #expect(abs(try length("5.653 Å") - 10.6826) < 1e-4)
        #expect(try length("5.653 A") == (try length("5.653 Å")))
        #expect(try length("5.653 angstrom") == (try length("5.653 Å")))
        #expect(try length("5.653Å") == (try length("5.653 Å")))
        // Decomposed A + combining ring, and the Angstrom sign U+212B.
        #expect(try length("1 A\u{30A}") == (try length("1 Å")))
        #expect(try length("1 \u{212B}") == (try length("1 Å")))
        #expect(try length("10.68 bohr") == 10.68)
        #expect(abs(try length("0.1 nm") - 1.8897261246) < 1e-9)
        #expect(abs(try Quantity.parse("1 1/Å", .inverseLength, field: "f").value - 1 / 1.8897261246) < 1e-9)
    }

    @Test("errors name the field, the value and the allowed units")
    func errors() {
        let cases: [(String, PhysicalDimension, String)] = [
            ("25 kcal", .energy, "unknown unit 'kcal'"),
            ("abc", .energy, "not a number"),
            ("", .energy, "not a number"),
            ("5.653", .length, "needs a unit"),
            ("5 Ha", .length, "unknown unit 'Ha'"),
            ("nan Ha", .energy, "not a number"),
            ("1e999 Ha", .energy, "not a finite number"),
        ]
        for (text, dim, fragment) in cases {
            do {
                _ = try Quantity.parse(text, dim, field: "basis.ecut")
                Issue.record("'\(text)' was accepted")
            } catch let e as InputError {
                #expect(e.field == "basis.ecut")
                #expect(e.description.hasPrefix("basis.ecut: "), "\(e)")
                #expect(e.message.contains(fragment), "\(e)")
                if fragment.hasPrefix("unknown unit") || fragment.hasPrefix("needs") {
                    #expect(e.message.contains(dim == .energy ? "Ha, mHa, Ry" : "bohr, Å"), "\(e)")
                    #expect(e.message.contains("'\(text)'"), "\(e)")
                }
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test("integer triples: 4x4x4, [4, 4, 4], 4")
    func triples() throws {
        #expect(try IntegerTriple.parse("4x4x4", field: "k") == [4, 4, 4])
        #expect(try IntegerTriple.parse("6X6x2", field: "k") == [6, 6, 2])
        #expect(try IntegerTriple.parse("4", field: "k") == [4, 4, 4])
        #expect(try IntegerTriple.parse("[3, 4, 5]", field: "k") == [3, 4, 5])
        #expect(try IntegerTriple.parse("3 4 5", field: "k") == [3, 4, 5])
        #expect(try IntegerTriple.parse("3,4,5", field: "k") == [3, 4, 5])
        #expect(try IntegerTriple.validate([2], field: "k") == [2, 2, 2])
        for bad in ["", "4x4", "4x0x4", "4x-1x4", "axbxc", "4.5x4x4", "4x4x4x4", "100000"] {
            #expect(throws: InputError.self, "\(bad)") { try IntegerTriple.parse(bad, field: "basis.kmesh") }
        }
    }
}
