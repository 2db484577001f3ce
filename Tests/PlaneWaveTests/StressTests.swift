import Testing
import Foundation
import PlaneWave

/// A zincblende or diamond crystal (FCC a, atoms at 0 and `second`) under the strain ε
/// (a_i → (1 + ε) a_i, reduced positions fixed), on a basis whose plane-wave set is that of the
/// unstrained cell (`sphereLattice`) and whose FFT grid is fixed: the energy is then a smooth
/// function of ε, whose derivative the analytic stress is. At fixed ecut the set would change
/// with the strain (plane waves crossing the sphere: steps in E(ε) and a Pulay stress that the
/// analytic stress, like ABINIT's with ecutsm = 0, leaves out), so the central differences
/// would not converge to it.
struct StressCase: Sendable, CustomStringConvertible {
    let id: String
    let species: [String]
    let a: Double
    var second = SIMD3<Double>(repeating: 0.25)
    let functional: Functional
    var smearing: Smearing = .none
    let ecut: Double
    let fftGrid: [Int]
    var kmesh = [2, 2, 2]
    /// The strain of the cell the derivatives are taken at.
    var base: [SIMD3<Double>] = [.zero, .zero, .zero]
    var psp8 = false
    var description: String { id }

    func pseudopotentials() throws -> [String: any Pseudopotential] {
        var pps: [String: any Pseudopotential] = [:]
        for e in Set(species) {
            if psp8 {
                let path = ABINITCase.psp8Directory + "/\(e).psp8"
                pps[e] = try Psp8(contentsOf: path).pseudopotential(element: e, name: "\(e).psp8", file: path)
            } else {
                let valence = ["Si": 4, "Ga": 3, "As": 5, "Al": 3][e]!
                pps[e] = try PseudopotentialLibrary.shared.lookup(element: e, family: functional == .pbe ? "GTH-PBE" : "GTH-PADE",
                                                                valence: valence)
            }
        }
        return pps
    }

    static func strained(_ lattice: Lattice, _ e: [SIMD3<Double>]) -> Lattice {
        func apply(_ v: SIMD3<Double>) -> SIMD3<Double> { v + SIMD3(dot(e[0], v), dot(e[1], v), dot(e[2], v)) }
        return Lattice(apply(lattice.vectors[0]), apply(lattice.vectors[1]), apply(lattice.vectors[2]))
    }

    /// The SCF of the base cell strained further by `strain` (symmetric), SCF to 1e-11 Ha.
    func run(strain: [SIMD3<Double>] = [.zero, .zero, .zero], pps: [String: any Pseudopotential]) throws -> SCFResult {
        let reference = Self.strained(.fcc(a), base)
        let lattice = Self.strained(reference, strain)
        let atoms = [Atom(species[0], .zero)] + (species.count > 1 ? [Atom(species[1], second)] : [])
        let model = try Model(crystal: try Crystal(lattice: lattice, atoms: atoms), pseudopotentials: pps,
                              functional: functional, smearing: smearing)
        var p = SCFParameters()
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-9
        p.xcGridTolerance = nil
        let basis = try PlaneWaveBasis(model: model, discretization: Discretization(ecut: ecut, kmesh: kmesh, fftGrid: fftGrid),
                                       sphereLattice: reference)
        let r = try SCF(basis: basis, parameters: p).run()
        #expect(r.converged, "\(id): SCF converged")
        return r
    }
}

let siDojoPresent = FileManager.default.fileExists(atPath: ABINITCase.psp8Directory + "/Si.psp8")

@Suite("Stress")
struct StressTests {
    /// A cell sheared by ε_xy = ε_yx = 0.02 and stretched by ε_xx = 0.01, so that every stress
    /// component is non-zero (a cubic cell's σ_xy vanishes by symmetry, which would test nothing).
    static let sheared: [SIMD3<Double>] = [SIMD3(0.01, 0.02, 0), SIMD3(0.02, 0, 0), SIMD3(0, 0, 0)]

    static let cases = [
        StressCase(id: "Si GTH LDA 10 Ha", species: ["Si", "Si"], a: 10.26, functional: .lda, ecut: 10, fftGrid: [24, 24, 24]),
        StressCase(id: "GaAs GTH PBE 10 Ha, As displaced", species: ["Ga", "As"], a: 10.6826, second: SIMD3(0.26, 0.25, 0.24),
                   functional: .pbe, ecut: 10, fftGrid: [24, 24, 24]),
        StressCase(id: "Al GTH LDA 10 Ha, Fermi–Dirac 0.02 Ha", species: ["Al"], a: 7.6, functional: .lda,
                   smearing: .fermiDirac(0.02), ecut: 10, fftGrid: [20, 20, 20], kmesh: [3, 3, 3]),
    ]

    /// P = −tr σ/3 against −dF/dV = −(F(1+h) − F(1−h))/(2h · 3Ω) under the isotropic strain h·1,
    /// and σ_xy against (F(+h) − F(−h))/(2h · 2Ω) under ε_xy = ε_yx = h, both about the sheared
    /// cell. With h = 1e-3 the central difference's truncation error (h²/6 · F‴, which halving h
    /// quarters) is a few 1e-8 Ha/bohr³ and the SCF's 1e-11 Ha far below: held to 1e-7 Ha/bohr³.
    static func checkFiniteDifferences(_ c: StressCase) throws {
        var c = c
        c.base = sheared
        let pps = try c.pseudopotentials()
        let r = try c.run(pps: pps)
        let sigma = try #require(r.stress)
        let omega = StressCase.strained(.fcc(c.a), sheared).volume
        let h = 1e-3
        let iso: [SIMD3<Double>] = [SIMD3(h, 0, 0), SIMD3(0, h, 0), SIMD3(0, 0, h)]
        let fdPressure = -(try c.run(strain: iso, pps: pps).freeEnergy - c.run(strain: iso.map { -$0 }, pps: pps).freeEnergy) / (2 * h * 3 * omega)
        let shear: [SIMD3<Double>] = [SIMD3(0, h, 0), SIMD3(h, 0, 0), .zero]
        let fdXY = (try c.run(strain: shear, pps: pps).freeEnergy - c.run(strain: shear.map { -$0 }, pps: pps).freeEnergy) / (2 * h * 2 * omega)
        let pressure = try #require(r.pressure)
        print("\(c.id): σ = \(sigma) Ha/bohr³; P \(pressure) vs −dF/dV \(fdPressure) (Δ \(String(format: "%.2e", pressure - fdPressure))); "
              + "σ_xy \(sigma[0].y) vs FD \(fdXY) (Δ \(String(format: "%.2e", sigma[0].y - fdXY))) Ha/bohr³")
        #expect(abs(pressure - fdPressure) < 1e-7, "\(c.id): P \(pressure) vs −dF/dV \(fdPressure)")
        #expect(abs(sigma[0].y - fdXY) < 1e-7, "\(c.id): σ_xy \(sigma[0].y) vs FD \(fdXY)")
        #expect(abs(sigma[0].y - sigma[1].x) < 1e-12, "symmetric")
        // large enough for the comparisons to mean something
        #expect(abs(fdXY) > 1e-5 && abs(fdPressure) > 1e-5)
    }

    @Test("P and σ_xy equal central differences of F in the strain (GTH)", arguments: cases)
    func finiteDifferences(_ c: StressCase) throws { try Self.checkFiniteDifferences(c) }

    /// Tabulated form factors (the derivative of their interpolant) and the core correction.
    @Test("P and σ_xy equal central differences of F in the strain (PseudoDojo psp8 PBE, core correction)",
          .enabled(if: siDojoPresent, "PseudoDojo Si.psp8 absent under \(ABINITCase.psp8Directory)"))
    func finiteDifferencesPsp8() throws {
        try Self.checkFiniteDifferences(StressCase(id: "Si PseudoDojo PBE 12 Ha", species: ["Si", "Si"], a: 10.26,
                                                   functional: .pbe, ecut: 12, fftGrid: [24, 24, 24], psp8: true))
    }

    /// The q-derivatives of the form factors (analytic for GTH, of the interpolant for psp8) against
    /// fourth-order central differences of the transforms, h = 1e-4 bohr⁻¹ (inside one interpolation
    /// interval for the tables, whose spacing is 1e-2), relative to each function's scale.
    @Test("form-factor derivatives equal central differences of the transforms")
    func formFactorDerivatives() throws {
        var pps: [any Pseudopotential] = [try PseudopotentialLibrary.shared.lookup(element: "Ga", family: "GTH-PBE", valence: 3),
                                          try PseudopotentialLibrary.shared.lookup(element: "As", family: "GTH-PADE", valence: 5),
                                          try PseudopotentialLibrary.shared.lookup(element: "Si", family: "GTH-PADE", valence: 4)]
        if siDojoPresent {
            let path = ABINITCase.psp8Directory + "/Si.psp8"
            pps.append(try Psp8(contentsOf: path).pseudopotential(element: "Si", name: "Si.psp8", file: path))
        }
        let h = 1e-4
        func fd(_ f: (Double) -> Double, _ q: Double) -> Double {
            (8 * (f(q + h) - f(q - h)) - (f(q + 2 * h) - f(q - 2 * h))) / (12 * h)
        }
        let qs = [0.3051, 0.9372, 1.6143, 2.4417, 4.1234, 7.0156]
        for pp in pps {
            var worst = 0.0
            for q in qs {
                // V_loc′ ~ 8πZ/q³ near 0: relative to that scale
                let scale = 8 * Double.pi * Double(pp.zion) / (q * q * q) + 1
                worst = max(worst, abs(pp.localFourierDerivative(q) - fd(pp.localFourier, q)) / scale)
                if pp.hasCoreCharge {
                    worst = max(worst, abs(pp.coreChargeFourierDerivative(q) - fd(pp.coreChargeFourier, q)) / pp.coreChargeFourier(0))
                }
                for (c, ch) in pp.projectorChannels.enumerated() { for i in 0..<ch.count {
                    let d = pp.projectorFourierDerivative(channel: c, i: i, q: [q], scale: 1)[0]
                    let f = fd({ pp.projectorFourier(channel: c, i: i, q: [$0], scale: 1)[0] }, q)
                    let size = (0..<60).map { abs(pp.projectorFourier(channel: c, i: i, q: [0.1 * Double($0)], scale: 1)[0]) }.max()!
                    worst = max(worst, abs(d - f) / size)
                } }
            }
            print("\(pp.element) \(pp.name): largest relative |f′ − FD| = \(worst)")
            #expect(worst < 1e-7, "\(pp.name)")
        }
    }

    static let abinitCases: [ABINITStressReference] = [.siGTH097, .siGTH103, .gaasGTH097, .gaasGTH103, .gaasGTHSheared]

    /// Every component of σ against ABINIT's `strten` on the same input (`ABINITStressReference`).
    static func compareWithABINIT(_ ref: ABINITStressReference) throws {
        let c = ref.crystal
        let r = try c.run(pps: c.pseudopotentials())
        #expect(r.kpoints.count == ref.irreducibleK, "irreducible k-points")
        let sigma = try #require(r.stress)
        var worst = 0.0
        for a in 0..<3 { for b in 0..<3 { worst = max(worst, abs(sigma[a][b] - ref.sigma[a][b])) } }
        print("\(ref.id): σ = \(sigma.map { [$0.x, $0.y, $0.z] }) Ha/bohr³, largest |σ − σ_ABINIT| = "
              + "\(String(format: "%.2e", worst)) Ha/bohr³; ΔF = \(String(format: "%.2e", r.freeEnergy - ref.freeEnergy)) Ha")
        #expect(worst < 1e-7, "\(ref.id): σ \(sigma) vs ABINIT \(ref.sigma)")
        #expect(abs(r.freeEnergy - ref.freeEnergy) < 1e-6, "F \(r.freeEnergy) vs ABINIT \(ref.freeEnergy)")
    }

    @Test("σ matches ABINIT's strten (GTH LDA)", arguments: abinitCases)
    func matchesABINIT(_ ref: ABINITStressReference) throws { try Self.compareWithABINIT(ref) }

    @Test("σ matches ABINIT's strten (PseudoDojo PBE, core correction)",
          .enabled(if: siDojoPresent, "PseudoDojo Si.psp8 absent under \(ABINITCase.psp8Directory)"))
    func matchesABINITPsp8() throws { try Self.compareWithABINIT(.siDojo103) }
}
