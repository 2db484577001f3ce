import Testing
import Foundation
import PlaneWave

/// GaAs zincblende (FCC a = 10.6826 bohr, Ga at 0) with As at reduced `asReduced` moved by
/// `shift` (Cartesian, bohr); FD 0.01 Ha smearing, SCF to 1e-11 Ha and 1e-9 in the density,
/// exchange–correlation on the density grid, the FFT grid fixed (the same for every displacement).
func displacedGaAs(pseudopotentials: [String: any Pseudopotential], functional: Functional, ecut: Double,
                   fftGrid: [Int], asReduced: SIMD3<Double>, shift: SIMD3<Double> = .zero,
                   useSymmetry: Bool = true) throws -> (PlaneWaveBasis, SCFParameters) {
    let lattice = Lattice.fcc(10.6826)
    let position = asReduced + lattice.reduced(cartesian: shift)
    let crystal = try Crystal(lattice: lattice, atoms: [Atom("Ga", .zero), Atom("As", position)])
    let model = try Model(crystal: crystal, pseudopotentials: pseudopotentials, functional: functional, smearing: .fermiDirac(0.01))
    var p = SCFParameters()
    p.energyTolerance = 1e-11
    p.densityTolerance = 1e-9
    p.xcGridTolerance = nil
    return (try PlaneWaveBasis(model: model, discretization: Discretization(ecut: ecut, kmesh: [2, 2, 2], fftGrid: fftGrid,
                                                                                   useSymmetry: useSymmetry)), p)
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

    func run(asReduced: SIMD3<Double>, shift: SIMD3<Double> = .zero, useSymmetry: Bool = true) throws -> SCFResult {
        let (basis, p) = try displacedGaAs(pseudopotentials: pseudopotentials(), functional: functional, ecut: ecut,
                                           fftGrid: fftGrid, asReduced: asReduced, shift: shift, useSymmetry: useSymmetry)
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

    @Test("F_x, F_y of the displaced As equal central differences of F (GTH)", arguments: gthCases)
    func finiteDifferenceGTH(_ c: ForceCase) throws { try Self.checkFiniteDifference(c) }

    @Test("F_x, F_y of the displaced As equal central differences of F (PseudoDojo psp8, core correction)",
          .enabled(if: dojoPresent, "PseudoDojo Ga.psp8/As.psp8 absent under \(ABINITCase.psp8Directory)"))
    func finiteDifferencePsp8() throws {
        try Self.checkFiniteDifference(ForceCase(id: "GaAs PseudoDojo PBE 10 Ha", functional: .pbe, ecut: 10,
                                                 fftGrid: [24, 24, 24], psp8: true))
    }

    /// Σ_a F_a = −dF/d(rigid translation) vanishes up to the grid's breaking of translation
    /// invariance (no core charge here: only the XC integrand on the grid); the forces of the
    /// undisplaced zincblende vanish by symmetry. Without symmetry (all 8 k-points, no
    /// symmetrisation) they must vanish by themselves; with it, `ForceSymmetrization` makes them exact.
    @Test("forces sum to zero, and vanish for the ideal zincblende with and without symmetry")
    func sumRuleAndSymmetricCrystal() throws {
        let c = Self.gthCases[0]
        let displaced = try #require(try c.run(asReduced: displacedAs).forces)
        let total = displaced[0] + displaced[1]
        print("\(c.id): Σ_a F_a = \(total) Ha/bohr (forces \(displaced[1]))")
        #expect(max(abs(total.x), abs(total.y), abs(total.z)) < 1e-6, "Σ F_a = \(total)")
        #expect(abs(displaced[1].y) > 1e-3, "the displaced As feels a force")
        for useSymmetry in [true, false] {
            let ideal = try #require(try c.run(asReduced: SIMD3(repeating: 0.25), useSymmetry: useSymmetry).forces)
            let largest = ideal.map { max(abs($0.x), abs($0.y), abs($0.z)) }.max()!
            print("\(c.id): ideal zincblende, symmetry \(useSymmetry): largest force component \(largest) Ha/bohr")
            #expect(largest < 1e-6, "symmetry \(useSymmetry): \(ideal)")
        }
    }

    /// ABINIT 9.6.2's fcart for the displaced GaAs on the same pseudopotentials, grid, k-mesh and
    /// smearing (`ABINITForceReference`); ABINIT removes the mean force (drift), so the engine's
    /// forces are compared after removing theirs.
    @Test("forces of the displaced GaAs match ABINIT's fcart (GTH LDA)")
    func matchesABINIT() throws { try Self.compareWithABINIT(.gaasGTHLDA) }

    @Test("forces of the displaced GaAs match ABINIT's fcart (PseudoDojo PBE, core correction)",
          .enabled(if: dojoPresent, "PseudoDojo Ga.psp8/As.psp8 absent under \(ABINITCase.psp8Directory)"))
    func matchesABINITPsp8() throws { try Self.compareWithABINIT(.gaasDojoPBE) }

    /// Wurtzite GaN with u = 0.36 (`ABINITForceReference.ganWurtziteGTHLDA`): the forces along c
    /// that push u towards its equilibrium, and the stress, against ABINIT 9.6.2's.
    @Test("forces of wurtzite GaN off its equilibrium u match ABINIT's fcart (GTH LDA)")
    func wurtziteMatchesABINIT() throws {
        let ref = ABINITForceReference.ganWurtziteGTHLDA
        let (a, c, u) = (6.03, 9.80, 0.36)
        let lattice = Lattice(SIMD3(a / 2, -a * 3.0.squareRoot() / 2, 0), SIMD3(a / 2, a * 3.0.squareRoot() / 2, 0), SIMD3(0, 0, c))
        let crystal = try Crystal(lattice: lattice, atoms: [
            Atom("Ga", SIMD3(1.0 / 3, 2.0 / 3, 0)), Atom("Ga", SIMD3(2.0 / 3, 1.0 / 3, 0.5)),
            Atom("N", SIMD3(1.0 / 3, 2.0 / 3, u)), Atom("N", SIMD3(2.0 / 3, 1.0 / 3, 0.5 + u))])
        let lib = PseudopotentialLibrary.shared
        let model = try Model(crystal: crystal, pseudopotentials: ["Ga": try lib.lookup(element: "Ga", family: "GTH-PADE", valence: 3),
                                                                   "N": try lib.lookup(element: "N", family: "GTH-PADE", valence: 5)],
                              functional: .lda, smearing: .fermiDirac(0.01))
        var p = SCFParameters()
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-9
        p.xcGridTolerance = nil
        let basis = try PlaneWaveBasis(model: model, discretization: Discretization(ecut: ref.ecut, kmesh: [2, 2, 2], fftGrid: ref.fftGrid))
        let r = try SCF(basis: basis, parameters: p).run()
        #expect(r.converged, "\(ref.id): SCF converged")
        try Self.compare(r, with: ref)
    }

    static func compareWithABINIT(_ ref: ABINITForceReference) throws {
        let c = ForceCase(id: ref.id, functional: ref.psp8 ? .pbe : .lda, ecut: ref.ecut, fftGrid: ref.fftGrid, psp8: ref.psp8)
        try compare(try c.run(asReduced: displacedAs), with: ref)
    }

    static func compare(_ r: SCFResult, with ref: ABINITForceReference) throws {
        let c = (id: ref.id, ())
        #expect(r.kpoints.count == ref.irreducibleK, "irreducible k-points")
        let forces = try #require(r.forces)
        let drift = forces.reduce(SIMD3<Double>.zero, +) / Double(forces.count)
        var worst = 0.0
        for (f, fa) in zip(forces, ref.fcart) {
            let d = f - drift - fa
            worst = max(worst, abs(d.x), abs(d.y), abs(d.z))
        }
        print("\(c.id): drift \(drift), largest |F − drift − F_ABINIT| = \(worst) Ha/bohr; ΔF = \(r.freeEnergy - ref.freeEnergy) Ha")
        #expect(worst < 1e-5, "forces \(forces) vs ABINIT \(ref.fcart)")
        if let strten = ref.strten {
            let sigma = try #require(r.stress)
            let d = (0..<3).flatMap { a in (0..<3).map { b in abs(sigma[a][b] - strten[a][b]) } }.max()!
            print("\(c.id): largest |σ − σ_ABINIT| = \(d) Ha/bohr³")
            #expect(d < 1e-7, "stress \(sigma) vs ABINIT \(strten)")
        }
        #expect(abs(r.freeEnergy - ref.freeEnergy) < 1e-5, "F \(r.freeEnergy) vs ABINIT \(ref.freeEnergy)")
    }
}
