import Testing
import Foundation
import PlaneWave

/// GaAs zincblende (FCC a = 10.6826 bohr, Ga at 0) with As at reduced `asReduced` moved by
/// `shift` (Cartesian, bohr); FD 0.01 Ha smearing, SCF to 1e-11 Ha and 1e-9 in the density,
/// exchange–correlation on the density grid, the FFT grid fixed (the same for every displacement).
func displacedGaAs(pseudopotentials: [String: any Pseudopotential], functional: Functional, ecut: Double,
                   fftGrid: [Int], asReduced: SIMD3<Double>, shift: SIMD3<Double> = .zero) throws -> (PlaneWaveBasis, SCFParameters) {
    let lattice = Lattice.fcc(10.6826)
    let position = asReduced + lattice.reduced(cartesian: shift)
    let crystal = try Crystal(lattice: lattice, atoms: [Atom("Ga", .zero), Atom("As", position)])
    let model = try Model(crystal: crystal, pseudopotentials: pseudopotentials, functional: functional, smearing: .fermiDirac(0.01))
    var p = SCFParameters()
    p.energyTolerance = 1e-11
    p.densityTolerance = 1e-9
    p.xcGridTolerance = nil
    return (try PlaneWaveBasis(model: model, discretization: Discretization(ecut: ecut, kmesh: [2, 2, 2], fftGrid: fftGrid)), p)
}

/// A finite-difference case: pseudopotentials, functional, cutoff and FFT grid.
struct ForceCase: Sendable, CustomStringConvertible {
    let id: String
    let functional: Functional
    let ecut: Double
    let fftGrid: [Int]
    var psp8: Bool = false
    var description: String { id }

    func pseudopotentials() throws -> [String: any Pseudopotential] {
        if psp8 {
            var pps: [String: any Pseudopotential] = [:]
            for e in ["Ga", "As"] {
                let path = ABINITCase.psp8Directory + "/\(e).psp8"
                pps[e] = try Psp8(contentsOf: path).pseudopotential(element: e, name: "\(e).psp8", file: path)
            }
            return pps
        }
        let family = functional == .pbe ? "GTH-PBE" : "GTH-PADE"
        let lib = PseudopotentialLibrary.shared
        return ["Ga": try lib.lookup(element: "Ga", family: family, valence: 3),
                "As": try lib.lookup(element: "As", family: family, valence: 5)]
    }

    func run(asReduced: SIMD3<Double>, shift: SIMD3<Double> = .zero) throws -> SCFResult {
        let (basis, p) = try displacedGaAs(pseudopotentials: pseudopotentials(), functional: functional, ecut: ecut,
                                           fftGrid: fftGrid, asReduced: asReduced, shift: shift)
        let r = try SCF(basis: basis, parameters: p).run()
        #expect(r.converged, "\(id): SCF converged")
        return r
    }
}

private let dojoPresent = FileManager.default.fileExists(atPath: ABINITCase.psp8Directory + "/Ga.psp8")
    && FileManager.default.fileExists(atPath: ABINITCase.psp8Directory + "/As.psp8")
private let displacedAs = SIMD3(0.26, 0.25, 0.25)

@Suite("Hellmann–Feynman forces")
struct ForcesTests {
    static let gthCases = [ForceCase(id: "GaAs GTH LDA 10 Ha", functional: .lda, ecut: 10, fftGrid: [24, 24, 24]),
                           ForceCase(id: "GaAs GTH PBE 10 Ha", functional: .pbe, ecut: 10, fftGrid: [24, 24, 24])]

    /// F_x and F_y of As against −(F(τ+h e) − F(τ−h e))/2h; h = 1e-3 bohr keeps the central
    /// difference's truncation error (h²/6 · ∂³F/∂x³) well below 1e-6 Ha/bohr. (The displacement
    /// along a₁ = a/2·(0,1,1) makes F_y large and F_x small but non-zero.)
    static func checkFiniteDifference(_ c: ForceCase) throws {
        let h = 1e-3
        let r = try c.run(asReduced: displacedAs)
        let forces = try #require(r.forces)
        print("\(c.id): F(Ga) = \(forces[0]), F(As) = \(forces[1]) Ha/bohr")
        for axis in [0, 1] {
            var e = SIMD3<Double>.zero
            e[axis] = h
            let plus = try c.run(asReduced: displacedAs, shift: e)
            let minus = try c.run(asReduced: displacedAs, shift: -e)
            let fd = -(plus.freeEnergy - minus.freeEnergy) / (2 * h)
            print("\(c.id): axis \(axis): force \(forces[1][axis]), central difference \(fd), "
                  + "difference \(String(format: "%.2e", forces[1][axis] - fd)) Ha/bohr")
            #expect(abs(forces[1][axis] - fd) < 1e-5, "\(c.id): F(As)[\(axis)] \(forces[1][axis]) vs central difference \(fd)")
            // the force is large enough for the comparison to mean something
            #expect(abs(fd) > 1e-4)
        }
    }

    @Test("F_x of the displaced As equals the central difference of F (GTH)", arguments: gthCases)
    func finiteDifferenceGTH(_ c: ForceCase) throws { try Self.checkFiniteDifference(c) }

    @Test("F_x of the displaced As equals the central difference of F (PseudoDojo psp8, core correction)",
          .enabled(if: dojoPresent, "PseudoDojo Ga.psp8/As.psp8 absent under \(ABINITCase.psp8Directory)"))
    func finiteDifferencePsp8() throws {
        try Self.checkFiniteDifference(ForceCase(id: "GaAs PseudoDojo PBE 15 Ha", functional: .pbe, ecut: 15,
                                                 fftGrid: [28, 28, 28], psp8: true))
    }
}
