import Testing
import Foundation
import Numerics
import Bindings
@testable import PlaneWave

/// Each `AtomicForceTerm` against central differences of its own energy with the state held fixed
/// (a fixed density, fixed orbitals): no SCF, so a wrong sign, factor or phase of one term shows
/// here by itself. GaAs with As at reduced (0.26, 0.25, 0.25), no symmetry (the same k-points at
/// every displacement), 10 Ha, fixed FFT grid; h = 1e-4 bohr (truncation ~1e-9 Ha/bohr).
@Suite("forces of each term against its energy")
struct ForceTermTests {
    static let h = 1e-4
    static let dojo = ABINITCase.psp8Directory

    static func basis(_ pps: [String: any Pseudopotential], functional: Functional, atom: Int, shift: SIMD3<Double>) throws -> PlaneWaveBasis {
        let lattice = Lattice.fcc(10.6826)
        var positions = [SIMD3<Double>.zero, SIMD3(0.26, 0.25, 0.25)]
        positions[atom] += lattice.reduced(cartesian: shift)
        let crystal = try Crystal(lattice: lattice, atoms: [Atom("Ga", positions[0]), Atom("As", positions[1])])
        let model = try Model(crystal: crystal, pseudopotentials: pps, functional: functional, smearing: .fermiDirac(0.01))
        return try PlaneWaveBasis(model: model, discretization: Discretization(ecut: 10, kmesh: [2, 2, 2], fftGrid: [24, 24, 24],
                                                                                useSymmetry: false))
    }

    static func gth() throws -> [String: any Pseudopotential] {
        let lib = PseudopotentialLibrary.shared
        return ["Ga": try lib.lookup(element: "Ga", family: "GTH-PADE", valence: 3),
                "As": try lib.lookup(element: "As", family: "GTH-PADE", valence: 5)]
    }

    static func psp8() throws -> [String: any Pseudopotential] {
        var pps: [String: any Pseudopotential] = [:]
        for e in ["Ga", "As"] {
            pps[e] = try Psp8(contentsOf: dojo + "/\(e).psp8").pseudopotential(element: e, name: "\(e).psp8", file: dojo + "/\(e).psp8")
        }
        return pps
    }

    /// Compares `force(basis at τ)` with −(E(τ + h e) − E(τ − h e))/2h for both atoms and every
    /// direction; returns the largest difference.
    static func check(_ label: String, _ pps: [String: any Pseudopotential], functional: Functional = .lda, tolerance: Double = 1e-6, minimum: Double = 1e-3,
                      force: (PlaneWaveBasis) throws -> [SIMD3<Double>], energy: (PlaneWaveBasis) throws -> Double) throws {
        let f = try force(basis(pps, functional: functional, atom: 0, shift: .zero))
        var worst = 0.0, largest = 0.0
        for atom in 0..<2 { for axis in 0..<3 {
            var e = SIMD3<Double>.zero
            e[axis] = h
            let fd = -(try energy(basis(pps, functional: functional, atom: atom, shift: e))
                       - energy(basis(pps, functional: functional, atom: atom, shift: -e))) / (2 * h)
            worst = max(worst, abs(f[atom][axis] - fd))
            largest = max(largest, abs(fd))
            #expect(abs(f[atom][axis] - fd) < tolerance, "\(label): atom \(atom) axis \(axis): \(f[atom][axis]) vs \(fd)")
        } }
        print("\(label): largest force component \(largest), largest difference from central differences \(worst) Ha/bohr")
        #expect(largest > minimum, "\(label): forces large enough to test")
    }

    @Test("Ewald") func ewald() throws {
        try Self.check("Ewald", Self.gth(), force: { Ewald.forces(model: $0.model) }, energy: { Ewald.energy(model: $0.model) })
    }

    @Test("local pseudopotential at a fixed density") func local() throws {
        let pps = try Self.gth()
        let b0 = try Self.basis(pps, functional: .lda, atom: 0, shift: .zero)
        let rho = SCF.initialDensity(basis: b0, grid: FourierGrid(basis: b0))
        try Self.check("local", pps, force: { try LocalPseudopotential(grid: FourierGrid(basis: $0)).forces(ForceState(density: rho)) },
                       energy: { LocalPseudopotential(grid: FourierGrid(basis: $0)).energy(rho) })
    }

    /// The atom-centred sums split over 3 processes (`ProcessShare`, their parts added here in place of
    /// the collective sum) give the whole force and strain derivative; one of the parts alone does not.
    @Test("local pseudopotential's force and stress split over processes") func localSplit() throws {
        let pps = try Self.gth()
        let b = try Self.basis(pps, functional: .lda, atom: 0, shift: SIMD3(0.05, -0.02, 0.01))
        let term = LocalPseudopotential(grid: FourierGrid(basis: b))
        let rho = SCF.initialDensity(basis: b, grid: term.grid)
        let whole = try term.forces(ForceState(density: rho))
        let wholeStress = try term.strainDerivative(ForceState(density: rho))
        var parts = [SIMD3<Double>](repeating: .zero, count: 2), partStress = [SIMD3<Double>](repeating: .zero, count: 3)
        var first = [SIMD3<Double>]()
        for index in 0..<3 {
            let state = ForceState(density: rho, share: ProcessShare(index: index, count: 3) { _ in })
            let f = try term.forces(state)
            if index == 0 { first = f }
            for a in 0..<2 { parts[a] += f[a] }
            // the −δ_αβ E part is whole on every process; the radial parts are split
            let t = try term.strainDerivative(state)
            for a in 0..<3 { partStress[a] += t[a] }
        }
        let e = term.grid.integrate(term.potential, rho)
        for a in 0..<3 { partStress[a][a] += 2 * e }
        var worst = 0.0, worstStress = 0.0, firstOff = 0.0
        for a in 0..<2 { for i in 0..<3 {
            worst = max(worst, abs(parts[a][i] - whole[a][i])); firstOff = max(firstOff, abs(first[a][i] - whole[a][i]))
        } }
        for a in 0..<3 { for i in 0..<3 { worstStress = max(worstStress, abs(partStress[a][i] - wholeStress[a][i])) } }
        print("split local forces: largest difference \(worst) Ha/bohr (one part alone: \(firstOff)), stress \(worstStress) Ha")
        #expect(worst < 1e-12 && worstStress < 1e-10)
        #expect(firstOff > 1e-3, "one process' part is not the whole force")
    }

    /// ⟨ψ|V_NL|ψ⟩ summed with weights w_k f_n over fixed random orbitals at every k-point.
    @Test("non-local pseudopotential at fixed orbitals") func nonlocal() throws {
        let pps = try Self.gth()
        let b0 = try Self.basis(pps, functional: .lda, atom: 0, shift: .zero)
        let bands = 6
        var orbitals: [Int: ComplexMatrix] = [:]
        for (k, kb) in b0.kpoints.enumerated() {
            orbitals[k] = RandomOrbitals.block(rows: kb.count, cols: bands, seed: 11 + k, kinetic: kb.kinetic)
        }
        let occupations = b0.kpoints.map { _ in (0..<bands).map { 2.0 - 0.3 * Double($0) } }
        try Self.check("non-local", pps, force: { b in
            NonlocalPseudopotential(model: b.model).forces(ForceState(density: [], orbitals: orbitals, occupations: occupations, kpoints: b.kpoints))
        }, energy: { b in
            var e = 0.0
            for (k, kb) in b.kpoints.enumerated() {
                let x = NonlocalProjectors(kbasis: kb, model: b.model).expectation(orbitals[k]!)
                for n in 0..<bands { e += kb.kpoint.weight * occupations[k][n] * x[n] }
            }
            return e
        })
    }

    /// E_xc[ρ + ρ_c] at a fixed ρ on an XC grid finer than the density grid (28³ for 24³), PBE. On
    /// the superposed atomic density the core force is small (~1e-4 Ha/bohr).
    @Test("core correction at a fixed density, XC on a finer grid",
          .enabled(if: FileManager.default.fileExists(atPath: dojo + "/Ga.psp8"), "PseudoDojo psp8 files absent"))
    func coreCorrection() throws {
        let pps = try Self.psp8()
        let b0 = try Self.basis(pps, functional: .pbe, atom: 0, shift: .zero)
        let rho = SCF.initialDensity(basis: b0, grid: FourierGrid(basis: b0))
        func xc(_ b: PlaneWaveBasis) throws -> ExchangeCorrelation {
            try KohnShamTerms(basis: b, grid: FourierGrid(basis: b), xcGrid: [28, 28, 28]).exchangeCorrelation
        }
        try Self.check("core correction", pps, functional: .pbe, minimum: 1e-4, force: { try xc($0).forces(ForceState(density: rho)) },
                       energy: { try xc($0).energy(rho) })
    }
}
