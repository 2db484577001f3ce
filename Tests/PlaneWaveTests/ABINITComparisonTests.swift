import Testing
import Foundation
import PlaneWave

/// Builds the model and discretisation of a reference case.
func setUp(_ c: ABINITCase, fftGrid: [Int]? = nil, eigensolver: EigensolverKind = .lobpcg, useSymmetry: Bool = true,
           ecut: Double? = nil) throws -> (PlaneWaveBasis, SCFParameters) {
    let library = PseudopotentialLibrary.shared.entries
    let species = c.material == "Si" ? ["Si", "Si"] : ["Ga", "As"]
    var pps: [String: any Pseudopotential] = [:]
    for key in c.pseudopotentials { let pp = library[key]!; pps[pp.element] = pp }
    for (s, f) in zip(species, c.psp8Files) {
        let path = ABINITCase.psp8Directory + "/" + f
        pps[s] = try Psp8(contentsOf: path).pseudopotential(element: s, name: f, file: path)
    }
    return try zincblendeSetUp(lattice: c.lattice, species: species, pseudopotentials: pps, functional: c.functional,
                               smearing: c.smearing, ecut: ecut ?? c.ecut, kmesh: c.kmesh, fftGrid: fftGrid,
                               eigensolver: eigensolver, useSymmetry: useSymmetry)
}

/// The model and discretisation of a diamond or zincblende crystal of cubic lattice constant
/// `lattice` (FCC primitive vectors a/2·(0,1,1), (1,0,1), (1,1,0); `species[0]` at (0,0,0),
/// `species[1]` at (¼,¼,¼)), with SCF tolerances 1e-10 Ha (energy) and 1e-7 (density), and
/// exchange–correlation on the density grid (as the reference codes do).
func zincblendeSetUp(lattice: Double, species: [String], pseudopotentials: [String: any Pseudopotential],
                     functional: Functional, smearing: Smearing, ecut: Double, kmesh: [Int], fftGrid: [Int]? = nil,
                     eigensolver: EigensolverKind = .lobpcg, useSymmetry: Bool = true) throws -> (PlaneWaveBasis, SCFParameters) {
    let crystal = try Crystal(lattice: .fcc(lattice), atoms: [Atom(species[0], .zero), Atom(species[1], SIMD3(repeating: 0.25))])
    let model = try Model(crystal: crystal, pseudopotentials: pseudopotentials, functional: functional, smearing: smearing)
    let d = try Discretization(ecut: ecut, kmesh: kmesh, fftGrid: fftGrid, useSymmetry: useSymmetry)
    var p = SCFParameters()
    p.energyTolerance = 1e-10
    p.densityTolerance = 1e-7
    p.eigensolver = eigensolver
    p.xcGridTolerance = nil   // exchange–correlation on the density grid, as ABINIT and QE evaluate it
    return (try PlaneWaveBasis(model: model, discretization: d), p)
}

@Suite("ABINIT reference cases")
struct ABINITComparisonTests {
    @Test("energies and every term match ABINIT", arguments: abinitCases)
    func matchesABINIT(_ c: ABINITCase) throws { try compareWithABINIT(c) }
}

/// Runs the SCF of a reference case and checks the grid, the k-points, every energy term, F, U and
/// the Fermi level against ABINIT's.
func compareWithABINIT(_ c: ABINITCase) throws {
    let (basis, p) = try setUp(c)
    #expect(basis.fftSize == c.fftGrid, "FFT grid")
    #expect(basis.kpoints.count == c.irreducibleK, "irreducible k-points")
    #expect(basis.kpoints[0].count == c.planeWavesAtGamma, "plane waves at Γ")
    let r = try SCF(basis: basis, parameters: p).run()
    #expect(r.converged)
    let t = r.terms.dictionary
    for (name, ref) in c.terms {
        #expect(abs(t[name]! - ref) < c.termTolerance, "\(name): \(t[name]!) vs ABINIT \(ref)")
    }
    #expect(abs(r.freeEnergy - c.freeEnergy) < 1e-5, "F \(r.freeEnergy) vs ABINIT \(c.freeEnergy)")
    #expect(abs(r.internalEnergy - c.internalEnergy) < 1e-5, "U")
    #expect(abs(r.fermiLevel - c.fermiLevel) < 1e-4, "Fermi level \(r.fermiLevel) vs \(c.fermiLevel)")
    print("\(c.id): ΔF = \(r.freeEnergy - c.freeEnergy) Ha, iterations \(r.iterations), " +
          c.terms.keys.sorted().map { "\($0) Δ=\(String(format: "%.1e", t[$0]! - c.terms[$0]!))" }.joined(separator: " "))
}
