import Testing
import Foundation
import Bindings
import PlaneWave

/// A collinear spin-polarised reference computed with ABINIT 9.6.2 (Debian, libxc 5.2.3) on the same
/// input, with the input that produced it. GTH: the shipped CP2K table's entry written as pspcod 10
/// (`write_psp10` in scripts/bench_engine.py, pspxc 1), `ixc -20` being libxc's Teter93 LDA
/// (evaluated spin-polarised with `nsppol 2`). F is ABINIT's `etotal` (U − TS), M its
/// "Total magnetization (exact up - dn)", `strten` its stress.
struct ABINITSpinReference: Sendable, CustomStringConvertible {
    let id: String
    let lattice: Lattice
    let atoms: [Atom]
    let moments: [Double]
    let pseudopotential: String
    let ecut: Double
    let kmesh: [Int]
    let fftGrid: [Int]
    let smearing: Smearing
    let irreducibleK: Int
    let freeEnergy: Double
    let totalMagnetization: Double
    let strten: [[Double]]
    let input: String
    var description: String { id }

    /// Ferromagnetic bcc Fe, a = 5.42 bohr, GTH-PADE q8, 15 Ha, 18³ grid, Γ-centred 4×4×4 mesh,
    /// Fermi–Dirac 0.01 Ha, starting moment 3 μB; tolvrs 1e-16 (11 steps).
    static let bccFe = ABINITSpinReference(
        id: "bcc Fe FM GTH LDA q8 15 Ha", lattice: .bcc(5.42), atoms: [Atom("Fe", .zero)], moments: [3.0],
        pseudopotential: "Fe GTH-PADE-q8", ecut: 15, kmesh: [4, 4, 4], fftGrid: [18, 18, 18], smearing: .fermiDirac(0.01),
        irreducibleK: 8, freeEnergy: -16.6894800406623, totalMagnetization: 1.373141,
        strten: [[3.82159072e-02, 0, 0], [0, 3.82159072e-02, 0], [0, 0, 3.82159072e-02]],
        input: """
            acell 3*5.42
            rprim -0.5 0.5 0.5  0.5 -0.5 0.5  0.5 0.5 -0.5
            ntypat 1 znucl 26 natom 1 typat 1
            xred 0 0 0
            pseudos "Fe.psp10"
            ixc -20 ecut 15 ngfft 18 18 18
            nsppol 2 spinat 0 0 3.0
            kptopt 1 ngkpt 4 4 4 nshiftk 1 shiftk 0 0 0
            occopt 3 tsmear 0.01 nband 12 tolvrs 1e-16 nstep 100
            prtwf 0 prtden 0 prteig 0
            """)

    /// Antiferromagnetic Fe in a simple-cubic two-atom cell (a = 6.0 bohr, atoms at 0 and ½½½, the bcc
    /// sites), moments ±3.5 μB, GTH-PADE q8, 15 Ha, 24³ grid, Γ-centred 2×2×2 mesh, Fermi–Dirac 0.01 Ha.
    /// ABINIT needs the gentler mixing below to stay antiferromagnetic (with its defaults, or from
    /// ±2 μB, it falls into the non-magnetic state, 0.072 Ha higher); its spin-flip operations
    /// (`symafm` −1) make M exactly zero, this engine's symmetry does not use them.
    static let afmFe = ABINITSpinReference(
        id: "AFM Fe2 GTH LDA q8 15 Ha", lattice: .cubic(6.0), atoms: [Atom("Fe", .zero), Atom("Fe", SIMD3(repeating: 0.5))],
        moments: [3.5, -3.5], pseudopotential: "Fe GTH-PADE-q8", ecut: 15, kmesh: [2, 2, 2], fftGrid: [24, 24, 24],
        smearing: .fermiDirac(0.01), irreducibleK: 4, freeEnergy: -33.3803522461676, totalMagnetization: 0,
        strten: [],
        input: """
            acell 3*6.0
            rprim 1 0 0  0 1 0  0 0 1
            ntypat 1 znucl 26 natom 2 typat 1 1
            xred 0 0 0  0.5 0.5 0.5
            pseudos "Fe.psp10"
            ixc -20 ecut 15 ngfft 24 24 24
            nsppol 2 spinat 0 0 3.5  0 0 -3.5
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 3 tsmear 0.01 nband 16 tolvrs 1e-16 nstep 150 diemac 20 diemix 0.3
            prtwf 0 prtden 0 prteig 0
            """)
}

/// The basis and SCF settings of a spin reference (exchange–correlation on the density grid, as
/// ABINIT evaluates it; SCF to 1e-10 Ha and 1e-7 in the density).
func spinSetUp(_ c: ABINITSpinReference) throws -> (PlaneWaveBasis, SCFParameters) {
    let pp = PseudopotentialLibrary.shared.entries[c.pseudopotential]!
    let crystal = try Crystal(lattice: c.lattice, atoms: c.atoms)
    let model = try Model(crystal: crystal, pseudopotentials: [pp.element: pp], functional: .lda, smearing: c.smearing,
                          magneticMoments: c.moments)
    let d = try Discretization(ecut: c.ecut, kmesh: c.kmesh, fftGrid: c.fftGrid)
    var p = SCFParameters()
    p.energyTolerance = 1e-10
    p.densityTolerance = 1e-7
    p.xcGridTolerance = nil
    return (try PlaneWaveBasis(model: model, discretization: d), p)
}

/// Silicon (diamond, a = 10.26 bohr, GTH q4), 8 Ha, 2×2×2 mesh, Fermi–Dirac 0.01 Ha, with Si1
/// moved off its site so that the forces do not vanish; spin-polarised from `moments` when given.
func siliconSpinSetUp(functional: Functional, moments: [Double]?) throws -> (PlaneWaveBasis, SCFParameters) {
    let name = functional == .pbe ? "Si GTH-PBE-q4" : "Si GTH-PADE-q4"
    let pp = PseudopotentialLibrary.shared.entries[name]!
    let crystal = try Crystal(lattice: .fcc(10.26), atoms: [Atom("Si", SIMD3(0.01, 0, 0)), Atom("Si", SIMD3(repeating: 0.25))])
    let model = try Model(crystal: crystal, pseudopotentials: ["Si": pp], functional: functional, smearing: .fermiDirac(0.01),
                          magneticMoments: moments)
    let d = try Discretization(ecut: 8, kmesh: [2, 2, 2], fftGrid: [20, 20, 20])
    var p = SCFParameters()
    p.energyTolerance = 1e-11
    p.densityTolerance = 1e-9
    p.xcGridTolerance = nil
    return (try PlaneWaveBasis(model: model, discretization: d), p)
}

struct SpinPolarizationTests {
    /// A non-magnetic crystal started with moments relaxes to the unpolarised state: the same F
    /// (to 1e-8 Ha), no moment, and the same forces and stress (the spin-polarised XC, its core
    /// correction split between the channels, and the doubled k-points must all reduce to the
    /// unpolarised ones at m = 0).
    @Test("silicon started magnetic converges to the unpolarised F, no moment, same forces and stress",
          arguments: [Functional.lda, Functional.pbe])
    func nonMagneticSilicon(_ functional: Functional) throws {
        let (b0, p0) = try siliconSpinSetUp(functional: functional, moments: nil)
        let r0 = try SCF(basis: b0, parameters: p0).run()
        let (b1, p1) = try siliconSpinSetUp(functional: functional, moments: [1.0, 1.0])
        #expect(b1.spinChannels == 2 && b1.kpoints.count == 2 * b0.kpoints.count)
        #expect(b1.irreducibleKPointCount == b0.kpoints.count, "a uniform moment keeps the symmetry of the displaced cell")
        let scf1 = try SCF(basis: b1, parameters: p1)
        let start = scf1.initialDensity()
        let n = start.count / 2
        let m0 = start[n...].reduce(0, +) * b1.volume / Double(n)
        #expect(abs(m0 - 2) < 1e-6, "the starting magnetisation holds the moments: \(m0) μB")
        let r1 = try scf1.run()
        #expect(r0.converged && r1.converged)
        #expect(abs(r1.freeEnergy - r0.freeEnergy) < 1e-8, "F \(r1.freeEnergy) polarised vs \(r0.freeEnergy)")
        let m = try #require(r1.magnetization)
        #expect(abs(m.total) < 1e-6 && m.absolute < 1e-5, "M \(m.total), |M| \(m.absolute) μB")
        #expect(r0.magnetization == nil && r0.spinChannels == 1 && r1.spinChannels == 2)
        #expect(r1.eigenvalues.count == 2 * r1.kpoints.count && r1.kpoints.count == r0.kpoints.count)
        for k in r0.kpoints.indices {
            for s in 0..<2 {
                let e = r1.eigenvalues(spin: s)[k], e0 = r0.eigenvalues[k]
                #expect(abs(e[0] - e0[0]) < 1e-6 && abs(e[3] - e0[3]) < 1e-6, "k \(k) spin \(s) eigenvalues")
            }
        }
        let f0 = try #require(r0.forces), f1 = try #require(r1.forces)
        #expect(norm(f0[0]) > 1e-3, "the displaced atom feels a force")
        for a in 0..<2 { #expect(norm(f1[a] - f0[a]) < 1e-6, "force on atom \(a): \(f1[a]) vs \(f0[a])") }
        let s0 = try #require(r0.stress), s1 = try #require(r1.stress)
        for a in 0..<3 { #expect(norm(s1[a] - s0[a]) < 1e-8, "stress row \(a): \(s1[a]) vs \(s0[a])") }
        print("Si \(functional) polarised: ΔF = \(r1.freeEnergy - r0.freeEnergy) Ha, M = \(m.total) μB, iterations \(r1.iterations) vs \(r0.iterations)")
    }

    @Test("ferromagnetic bcc Fe matches ABINIT: F, total magnetisation, irreducible k-points, stress")
    func bccIronMatchesABINIT() throws {
        let c = ABINITSpinReference.bccFe
        let (basis, p) = try spinSetUp(c)
        #expect(basis.fftSize == c.fftGrid)
        #expect(basis.irreducibleKPointCount == c.irreducibleK, "irreducible k-points")
        let r = try SCF(basis: basis, parameters: p).run()
        #expect(r.converged)
        let m = try #require(r.magnetization)
        #expect(abs(r.freeEnergy - c.freeEnergy) < 1e-5, "F \(r.freeEnergy) vs ABINIT \(c.freeEnergy)")
        #expect(abs(m.total - c.totalMagnetization) < 1e-3, "M \(m.total) vs ABINIT \(c.totalMagnetization) μB")
        #expect(m.absolute >= abs(m.total) - 1e-9)
        let sigma = try #require(r.stress)
        for a in 0..<3 { for b in 0..<3 {
            #expect(abs(sigma[a][b] - c.strten[a][b]) < 1e-6, "σ\(a)\(b) \(sigma[a][b]) vs ABINIT \(c.strten[a][b])")
        } }
        print("\(c.id): ΔF = \(r.freeEnergy - c.freeEnergy) Ha, ΔM = \(m.total - c.totalMagnetization) μB, |M| = \(m.absolute), " +
              "σ11 Δ = \(sigma[0][0] - c.strten[0][0]), iterations \(r.iterations)")
    }

    @Test("antiferromagnetic Fe₂ matches ABINIT: F, zero total moment, irreducible k-points")
    func antiferromagneticIronMatchesABINIT() throws {
        let c = ABINITSpinReference.afmFe
        let (basis, p) = try spinSetUp(c)
        #expect(basis.irreducibleKPointCount == c.irreducibleK, "irreducible k-points")
        let r = try SCF(basis: basis, parameters: p).run()
        #expect(r.converged)
        let m = try #require(r.magnetization)
        #expect(abs(r.freeEnergy - c.freeEnergy) < 1e-5, "F \(r.freeEnergy) vs ABINIT \(c.freeEnergy)")
        #expect(abs(m.total) < 1e-4, "M \(m.total) μB")
        #expect(m.absolute > 7, "the moments survive: |M| \(m.absolute) μB")
        print("\(c.id): ΔF = \(r.freeEnergy - c.freeEnergy) Ha, M = \(m.total) μB, |M| = \(m.absolute), iterations \(r.iterations)")
    }

    @Test("a moment pattern that breaks a symmetry lowers it")
    func momentsLowerSymmetry() throws {
        let pp = PseudopotentialLibrary.shared.entries["Fe GTH-PADE-q8"]!
        // bcc Fe as a simple-cubic two-atom cell: equal moments keep the body-centring translation, opposite ones do not
        let crystal = try Crystal(lattice: .cubic(5.42), atoms: [Atom("Fe", .zero), Atom("Fe", SIMD3(repeating: 0.5))])
        let d = try Discretization(ecut: 10, kmesh: [2, 2, 2])
        func basis(_ moments: [Double]?) throws -> PlaneWaveBasis {
            try PlaneWaveBasis(model: try Model(crystal: crystal, pseudopotentials: ["Fe": pp], functional: .lda,
                                                smearing: .fermiDirac(0.01), magneticMoments: moments), discretization: d)
        }
        let none = try basis(nil), ferro = try basis([2, 2]), antiferro = try basis([2, -2])
        #expect(ferro.symmetries.count == none.symmetries.count)
        #expect(antiferro.symmetries.count == none.symmetries.count / 2, "\(antiferro.symmetries.count) of \(none.symmetries.count)")
        #expect(antiferro.symmetries.allSatisfy { $0.translation == .zero }, "no operation swaps the opposite moments")
    }

    @Test("bad spin inputs are refused with the field and the allowed values")
    func badInputs() throws {
        let pp = PseudopotentialLibrary.shared.entries["Fe GTH-PADE-q8"]!
        let crystal = try Crystal(lattice: .bcc(5.42), atoms: [Atom("Fe", .zero)])
        func model(_ moments: [Double], _ smearing: Smearing = .fermiDirac(0.01)) throws -> Model {
            try Model(crystal: crystal, pseudopotentials: ["Fe": pp], functional: .lda, smearing: smearing, magneticMoments: moments)
        }
        #expect(throws: InputError.self) { try model([9]) }
        #expect(throws: InputError.self) { try model([1, 1]) }
        #expect(throws: InputError.self) { try model([.nan]) }
        #expect(throws: InputError.self) { try model([2], .none) }
        do { _ = try model([9]); Issue.record("accepted 9 μB on Fe q8") } catch let e as InputError {
            #expect(e.description.contains("spin.moments") && e.description.contains("±8"), "\(e)")
        }
    }
}
