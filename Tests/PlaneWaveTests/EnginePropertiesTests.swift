import Bindings
import Testing
import Foundation
@testable import PlaneWave

/// A reference case with a smaller discretisation, for property tests that need several SCFs.
func small(_ id: String, ecut: Double, kmesh: [Int]) -> ABINITCase {
    let c = abinitCases.first { $0.id == id }!
    return ABINITCase(id: c.id, material: c.material, lattice: c.lattice, pseudopotentials: c.pseudopotentials,
                      functional: c.functional, ecut: ecut, kmesh: kmesh, smearing: c.smearing, irreducibleK: 0,
                      fftGrid: [], planeWavesAtGamma: 0, freeEnergy: 0, internalEnergy: 0, fermiLevel: 0, terms: [:])
}

func freeEnergy(_ c: ABINITCase, fftGrid: [Int]? = nil, eigensolver: EigensolverKind = .lobpcg, useSymmetry: Bool = true) throws -> SCFResult {
    let (basis, p) = try setUp(c, fftGrid: fftGrid, eigensolver: eigensolver, useSymmetry: useSymmetry)
    let r = try SCF(basis: basis, parameters: p).run()
    #expect(r.converged, "\(c.id) did not converge")
    return r
}

@Suite("Engine properties")
struct EnginePropertiesTests {
    /// Diamond Si has non-symmorphic operations (fractional translations): the density
    /// symmetrisation's phases are exercised. GaAs PBE with Fermi–Dirac smearing covers GGA + smearing.
    @Test("irreducible wedge equals the full mesh", arguments: [
        ("Si_LDA_cp2kpade_ec10", 8.0, [3, 3, 3]), ("GaAs_PBE_ec25_k4", 10.0, [2, 2, 2]),
    ])
    func wedgeEqualsFullMesh(id: String, ecut: Double, mesh: [Int]) throws {
        let c = small(id, ecut: ecut, kmesh: mesh)
        let ir = try freeEnergy(c)
        let full = try freeEnergy(c, useSymmetry: false)
        #expect(ir.kpoints.count < full.kpoints.count)
        #expect(full.kpoints.count == mesh.reduce(1, *))
        #expect(abs(ir.freeEnergy - full.freeEnergy) < 1e-8, "IBZ \(ir.freeEnergy) vs full \(full.freeEnergy)")
    }

    @Test("energies unchanged on an FFT grid finer than the minimal one")
    func finerGrid() throws {
        let c = small("Si_LDA_cp2kpade_ec10", ecut: 10, kmesh: [2, 2, 2])
        let coarse = try freeEnergy(c)
        #expect(coarse.fftGrid == [24, 24, 24])
        let fine = try freeEnergy(c, fftGrid: [32, 32, 32])
        #expect(abs(coarse.freeEnergy - fine.freeEnergy) < 1e-6, "24³ \(coarse.freeEnergy) vs 32³ \(fine.freeEnergy)")
    }

    @Test("free energy decreases with the cutoff")
    func decreasesWithCutoff() throws {
        let energies = try [5.0, 7.0, 9.0].map { try freeEnergy(small("GaAs_LDA_cp2kpade_ec20", ecut: $0, kmesh: [2, 2, 2])).freeEnergy }
        #expect(energies[0] > energies[1] && energies[1] > energies[2], "\(energies)")
    }

    @Test("dense and LOBPCG eigensolvers give the same SCF")
    func denseEqualsLOBPCG() throws {
        let c = small("Si_PBE_gthpbe_ec10", ecut: 6, kmesh: [2, 2, 2])
        let a = try freeEnergy(c, eigensolver: .lobpcg)
        let b = try freeEnergy(c, eigensolver: .dense)
        #expect(abs(a.freeEnergy - b.freeEnergy) < 1e-8)
        for (ea, eb) in zip(a.eigenvalues, b.eigenvalues) { for (x, y) in zip(ea, eb) { #expect(abs(x - y) < 1e-6) } }
    }
}

@Suite("GTH transforms")
struct GTHTransformTests {
    /// 4π ∫ r² f(r) j_l(qr) dr by the trapezoidal rule on a fine grid.
    func radialTransform(l: Int, q: Double, _ f: (Double) -> Double) -> Double {
        let h = 0.0005, rmax = 14.0
        var s = 0.0
        var r = h
        while r < rmax {
            let x = q * r
            let j: Double
            switch l {
            case 0: j = x < 1e-8 ? 1 : sin(x) / x
            case 1: j = x < 1e-4 ? x / 3 : sin(x) / (x * x) - cos(x) / x
            case 2: j = x < 1e-3 ? x * x / 15 : (3 / (x * x) - 1) * sin(x) / x - 3 * cos(x) / (x * x)
            default: j = x < 1e-2 ? x * x * x / 105 : (15 / (x * x * x) - 6 / x) * sin(x) / x - (15 / (x * x) - 1) * cos(x) / x
            }
            s += r * r * f(r) * j
            r += h
        }
        return 4 * Double.pi * s * h
    }

    @Test("projector transforms equal the radial Bessel integrals of the real-space projectors")
    func projectors() throws {
        let lib = PseudopotentialLibrary.shared.entries
        let ga = lib["Ga GTH-PBE-q3"]!
        let f = GTHPseudopotential.Channel(l: 3, radius: 0.8, h: [[1]])
        for ch in ga.channels + [f] {
            for i in 0..<ch.count {
                for q in [0.3, 1.1, 2.7, 5.0] {
                    let analytic = ga.projectorFourier(channel: ch, i: i, q: q)
                    let numeric = radialTransform(l: ch.l, q: q) { ga.projectorRadial(channel: ch, i: i, r: $0) }
                    #expect(abs(analytic - numeric) < 1e-6 * max(1, abs(analytic)), "l=\(ch.l) i=\(i) q=\(q): \(analytic) vs \(numeric)")
                }
            }
        }
    }

    @Test("local part: analytic transform of the short-range Gaussian terms and the core limit")
    func local() throws {
        let lib = PseudopotentialLibrary.shared.entries
        let si = lib["Si GTH-PADE-q4"]!
        for q in [0.5, 1.5, 3.0] {
            // V_loc(q) + 4πZ e^{−q²r²/2}/q² is the transform of exp(−r²/2r_loc²) Σ Cᵢ (r/r_loc)^{2(i−1)}
            let analytic = si.localFourier(q) + 4 * Double.pi * Double(si.zion) * exp(-q * q * si.rloc * si.rloc / 2) / (q * q)
            let numeric = radialTransform(l: 0, q: q) { r in exp(-r * r / (2 * si.rloc * si.rloc)) * si.c[0] }
            #expect(abs(analytic - numeric) < 1e-7, "q=\(q): \(analytic) vs \(numeric)")
        }
        // ε = lim [V(q) + 4πZ/q²]
        let q = 1e-4
        #expect(abs(si.localFourier(q) + 4 * Double.pi * Double(si.zion) / (q * q) - si.localCoreTerm) < 1e-5)
    }
}

@Suite("Smearing")
struct SmearingTests {
    static let kinds: [Smearing] = [.fermiDirac(0.01), .gaussian(0.01), .marzariVanderbilt(0.01), .methfesselPaxton(0.01)]

    @Test("s′(x) = x f′(x), so that F = U − σΣs is variational", arguments: kinds)
    func entropyDerivative(_ s: Smearing) {
        let h = 1e-5
        for x in stride(from: -3.0, through: 3.0, by: 0.37) {
            let ds = (s.entropy(x + h) - s.entropy(x - h)) / (2 * h)
            let df = (s.occupation(x + h) - s.occupation(x - h)) / (2 * h)
            #expect(abs(ds - x * df) < 1e-7, "\(s) at x=\(x)")
        }
        #expect(abs(s.occupation(-30) - 1) < 1e-9 && abs(s.occupation(30)) < 1e-9)
    }

    @Test("the Fermi level conserves the electron count", arguments: kinds)
    func electronCount(_ s: Smearing) throws {
        let e: [[Double]] = [[-0.3, -0.1, 0.05, 0.2, 0.4], [-0.25, -0.05, 0.0, 0.3, 0.5]]
        let w = [0.25, 0.75]
        let occ = try Occupations.compute(eigenvalues: e, weights: w, electrons: 5, smearing: s)
        let n = zip(occ.values, w).reduce(0.0) { $0 + $1.0.reduce(0, +) * $1.1 }
        #expect(abs(n - 5) < 1e-10)
    }
}

@Suite("Bad inputs")
struct BadInputTests {
    @Test("invalid discretisations name their field")
    func discretization() {
        #expect(throws: InputError.self) { try Discretization(ecut: 0, kmesh: [4, 4, 4]) }
        #expect(throws: InputError.self) { try Discretization(ecut: -5, kmesh: [4, 4, 4]) }
        #expect(throws: InputError.self) { try Discretization(ecut: .nan, kmesh: [4, 4, 4]) }
        #expect(throws: InputError.self) { try Discretization(ecut: 10, kmesh: [0, 4, 4]) }
        #expect(throws: InputError.self) { try Discretization(ecut: 10, kmesh: []) }
        do { _ = try Discretization(ecut: 10, kmesh: [4, 0, 4]); Issue.record("no error") } catch let e as InputError {
            #expect(e.field == "kmesh")
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test("overlapping atoms and flat cells are rejected")
    func crystal() {
        do {
            _ = try Crystal(lattice: .fcc(10), atoms: [Atom("Si", .zero), Atom("Si", SIMD3(0.01, 0, 0))])
            Issue.record("no error")
        } catch let e as InputError { #expect(e.field == "structure.atoms[1]") } catch { Issue.record("\(error)") }
        #expect(throws: InputError.self) { try Crystal(lattice: Lattice(SIMD3(1, 0, 0), SIMD3(2, 0, 0), SIMD3(0, 0, 1)), atoms: [Atom("Si", .zero)]) }
        #expect(throws: InputError.self) { try Crystal(lattice: .fcc(10), atoms: [Atom("Xx", .zero)]) }
    }

    @Test("fewer bands than occupied states is an error naming 'bands'")
    func tooFewBands() throws {
        let (basis, p) = try setUp(small("Si_LDA_cp2kpade_ec10", ecut: 5, kmesh: [1, 1, 1]))
        let scf = try SCF(basis: basis, parameters: p)
        do { try scf.setBands(3); Issue.record("no error") } catch let e as InputError { #expect(e.field == "bands") }
    }
}

@Suite("Density symmetrisation")
struct SymmetrizationTests {
    /// The orbit mean on the grid and the Fourier-space sum over operations are the same operation
    /// when every operation maps the grid onto itself; a random field tells them apart otherwise.
    /// GaAs (symmorphic) and diamond Si (fractional translations) on their minimal grids.
    @Test("orbit average equals the Fourier-space sum", arguments: ["GaAs_PBE_ec25_k4", "Si_LDA_cp2kpade_ec10"])
    func orbitsEqualFourier(id: String) throws {
        let (basis, _) = try setUp(small(id, ecut: 10, kmesh: [2, 2, 2]))
        let grid = FourierGrid(basis: basis)
        let sym = Symmetrization(grid: grid)
        #expect(basis.symmetries.count >= 24)
        #expect(sym.usesOrbits)
        var state: UInt64 = 12345
        let rho = (0..<grid.count).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let a = sym.symmetrize(rho, grid: grid)
        let b = Symmetrization.fourier(rho, grid: grid)
        let diff = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-12, "largest difference \(diff)")
        // a symmetrised field is a fixed point, and the field did change
        let again = sym.symmetrize(a, grid: grid)
        #expect(zip(a, again).map { abs($0 - $1) }.max()! < 1e-14)
        #expect(zip(a, rho).map { abs($0 - $1) }.max()! > 0.1)
    }
}
