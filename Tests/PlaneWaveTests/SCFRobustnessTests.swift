import Testing
import Foundation
import PlaneWave
import Bindings

/// Reduced positions of a diamond-structure crystal of `n` conventional cubic cells, `species[0]` on
/// the FCC sites and `species[1]` a quarter of the diagonal away.
func diamondSupercellAtoms(_ n: [Int], species: [String] = ["Si", "Si"]) -> [Atom] {
    let fcc: [SIMD3<Double>] = [.zero, SIMD3(0, 0.5, 0.5), SIMD3(0.5, 0, 0.5), SIMD3(0.5, 0.5, 0)]
    var atoms: [Atom] = []
    for i in 0..<n[0] { for j in 0..<n[1] { for k in 0..<n[2] {
        for f in fcc {
            for (s, offset) in zip(species, [0.0, 0.25]) {
                let p = (f + SIMD3(repeating: offset) + SIMD3(Double(i), Double(j), Double(k))) / SIMD3(Double(n[0]), Double(n[1]), Double(n[2]))
                atoms.append(Atom(s, p))
            }
        }
    } } }
    return atoms
}

/// An SCF of Si (GTH-PADE q4, LDA) with the given cell and atoms at Γ, XC on the density grid.
func siliconSCF(lattice: Lattice, atoms: [Atom], ecut: Double, smearing: Smearing, kerker: Double? = nil,
                bands: Int? = nil) throws -> SCFResult {
    let pp = PseudopotentialLibrary.shared.entries["Si GTH-PADE-q4"]!
    let model = try Model(crystal: try Crystal(lattice: lattice, atoms: atoms), pseudopotentials: ["Si": pp],
                          functional: .lda, smearing: smearing)
    let basis = try PlaneWaveBasis(model: model, discretization: try Discretization(ecut: ecut, kmesh: [1, 1, 1]))
    var p = SCFParameters()
    p.xcGridTolerance = nil
    if let kerker { p.kerkerWavevector = kerker }
    let scf = try SCF(basis: basis, parameters: p)
    if let bands { try scf.setBands(bands) }
    return try scf.run()
}

@Suite struct SCFRobustnessTests {
    static let a = 10.26   // bohr, Si

    /// The stop test's defaults scale with the cell: 5e-10 Ha per atom and 1.25e-6 per valence
    /// electron (1e-9 Ha and 1e-5 for a two-atom, eight-electron cell, the totals used before);
    /// explicit totals are kept as given.
    @Test func toleranceDefaultsScaleWithTheCell() throws {
        let small = SCFConvergence(parameters: SCFParameters(), atoms: 2, electrons: 8)
        #expect(abs(small.energyTolerance - 1e-9) < 1e-22 && abs(small.densityTolerance - 1e-5) < 1e-18)
        let large = SCFConvergence(parameters: SCFParameters(), atoms: 64, electrons: 256)
        #expect(abs(large.energyTolerance - 3.2e-8) < 1e-20 && abs(large.densityTolerance - 3.2e-4) < 1e-16)
        var p = SCFParameters()
        p.energyTolerance = 1e-10; p.densityTolerance = 1e-7
        let fixed = SCFConvergence(parameters: p, atoms: 64, electrons: 256)
        #expect(fixed.energyTolerance == 1e-10 && fixed.densityTolerance == 1e-7)
        #expect(!large.isConverged(iteration: 1, energyChange: 0, densityResidual: 0))
        #expect(!large.isConverged(iteration: 5, energyChange: 4e-8, densityResidual: 1e-5))
        #expect(!large.isConverged(iteration: 5, energyChange: 1e-9, densityResidual: 4e-4))
        #expect(large.isConverged(iteration: 5, energyChange: -1e-9, densityResidual: 3e-4))
    }

    /// The eigensolver's tolerance follows the density residual per atom: 0.1 × the residual
    /// for two atoms (as before), 32 times tighter for 64.
    @Test func diagonalizationTolerancePerAtom() {
        let t = DiagonalizationTolerance()
        #expect(abs(t.tolerance(iteration: 2, residual: 1e-3, atoms: 2, suppliedDensity: false) - 1e-4) < 1e-18)
        #expect(abs(t.tolerance(iteration: 2, residual: 1e-3, atoms: 64, suppliedDensity: false) - 3.125e-6) < 1e-18)
        #expect(t.tolerance(iteration: 1, residual: 1e-3, atoms: 64, suppliedDensity: false) == t.firstGuessed)
        #expect(t.tolerance(iteration: 2, residual: 1e-12, atoms: 64, suppliedDensity: false) == t.minimum)
    }

    /// Bands that carried no electrons are converged loosely, except the lowest of them (the
    /// conduction-band minimum); without previous occupations every band gets the step's tolerance.
    @Test func emptyBandTolerances() {
        let t = DiagonalizationTolerance()
        let tight = 1e-7
        let bands = t.bandTolerances(tight, bands: 6, previousOccupations: [2, 2, 1.2, 1e-9, 1e-12, 0])
        #expect(bands == [tight, tight, tight, tight, tight, t.emptyTolerance])
        #expect(t.bandTolerances(tight, bands: 3, previousOccupations: [2, 0, 0]) == [tight, tight, t.emptyTolerance])
        #expect(t.bandTolerances(tight, bands: 3, previousOccupations: nil) == [tight, tight, tight])
        // a step looser than the empty bands' tolerance keeps its own
        #expect(t.bandTolerances(1e-2, bands: 3, previousOccupations: [2, 0, 0]) == [1e-2, 1e-2, 1e-2])
    }

    /// The empty bands carried by default: without smearing a quarter of the occupied ones, at least 2
    /// and at most 8 (Si 64 atoms at Γ: 128 + 8), with smearing a quarter, at least 6.
    @Test func automaticBandCounts() {
        #expect(BandCountPolicy.automatic(occupied: 4, smearing: .none) == 6)
        #expect(BandCountPolicy.automatic(occupied: 32, smearing: .none) == 40)
        #expect(BandCountPolicy.automatic(occupied: 128, smearing: .none) == 136)
        #expect(BandCountPolicy.automatic(occupied: 14, smearing: .fermiDirac(0.01)) == 20)
        #expect(BandCountPolicy.automatic(occupied: 128, smearing: .fermiDirac(0.01)) == 160)
    }

    /// The screening model of the mixing: Kerker's G²/(G² + q₀²) for a metal, tending to 1/ε_r at
    /// long wavelengths and to 1 at short ones for an insulator; the config's ε_r below 1 is refused.
    @Test func dielectricScreeningModel() throws {
        let (basis, _) = try zincblendeSetUp(lattice: Self.a, species: ["Si", "Si"],
                                             pseudopotentials: ["Si": PseudopotentialLibrary.shared.entries["Si GTH-PADE-q4"]!],
                                             functional: .lda, smearing: .none, ecut: 4, kmesh: [1, 1, 1])
        let grid = FourierGrid(basis: basis)
        let metal = KerkerPreconditioner(grid: grid, wavevector: 0.8)
        let insulator = KerkerPreconditioner(grid: grid, wavevector: 0.8, dielectricConstant: 10)
        #expect(metal.factor(0) == 0 && abs(metal.factor(0.64) - 0.5) < 1e-15)
        #expect(abs(insulator.factor(0) - 0.1) < 1e-15 && abs(insulator.factor(0.64) - 0.55) < 1e-15)
        #expect(abs(insulator.factor(1e6) - 1) < 1e-6)
        var p = SCFParameters()
        p.mixingDielectricConstant = 0.5
        #expect(throws: InputError.self) { try p.validated() }
    }

    /// Si₁₆ (two conventional cells) at Γ, ecut 10 Ha, no smearing, default tolerances: with the
    /// eigensolver tolerance per electron the SCF converges in 7 steps (13 with the tolerance
    /// proportional to the residual, whose steps left the orbitals in place while ρ_in moved), to the
    /// F of that tighter-than-needed run within its own convergence.
    @Test func silicon16AtGammaConverges() throws {
        let r = try siliconSCF(lattice: Lattice(SIMD3(2 * Self.a, 0, 0), SIMD3(0, Self.a, 0), SIMD3(0, 0, Self.a)),
                               atoms: diamondSupercellAtoms([2, 1, 1]), ecut: 10, smearing: .none)
        print("Si16 Γ: \(r.iterations) SCF iterations, F = \(r.freeEnergy) Ha")
        #expect(r.converged && r.iterations <= 9, "\(r.iterations) SCF iterations")
        #expect(abs(r.freeEnergy - (-63.130829951)) < 3e-8, "F = \(r.freeEnergy) Ha")
    }
}
