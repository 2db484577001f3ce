import Bindings
import Foundation
import Testing
import PlaneWave

@Suite("Band structure and DOS")
struct BandStructureTests {
    /// The FCC labels in reduced coordinates are the Cartesian high-symmetry points (2π/a units).
    @Test func fccPathLabelsAreTheCartesianPoints() {
        let a = 10.0
        let lattice = Lattice.fcc(a)
        let expected: [String: SIMD3<Double>] = [
            "Γ": SIMD3(0, 0, 0), "X": SIMD3(0, 1, 0), "W": SIMD3(0.5, 1, 0), "K": SIMD3(0.75, 0.75, 0),
            "L": SIMD3(0.5, 0.5, 0.5), "U": SIMD3(0.25, 1, 0.25),
        ]
        let path = HighSymmetryPath.standard(for: lattice)
        #expect(path.lattice == "FCC")
        #expect(path.description == "Γ–X–W–K–Γ–L–U–W–L–K|U–X")
        for (label, cart) in expected {
            let k = lattice.reciprocalCartesian(path.points[label]!) / (2 * Double.pi / a)
            #expect(norm(k - cart) < 1e-12, "\(label): \(k) vs \(cart)")
        }
        #expect(HighSymmetryPath.standard(for: .bcc(6)).lattice == "BCC")
        #expect(HighSymmetryPath.standard(for: .cubic(6)).lattice == "CUB")
        #expect(HighSymmetryPath.standard(for: Lattice(SIMD3(5, 0, 0), SIMD3(0, 6, 0), SIMD3(0, 0, 7))).lattice == "ORC")
    }

    /// Sampling includes every labelled point at its tick, spaced about evenly, breaks between runs.
    @Test func pathSampling() {
        let lattice = Lattice.fcc(10)
        let s = HighSymmetryPath.fcc.sample(lattice: lattice, count: 100)
        #expect(s.ticks.map(\.label) == ["Γ", "X", "W", "K", "Γ", "L", "U", "W", "L", "K|U", "X"])
        #expect(abs(s.kpoints.count - 100) <= 10)
        for t in s.ticks { #expect(norm(s.kpoints[t.index] - HighSymmetryPath.fcc.points[String(t.label.split(separator: "|").last!)]!) < 1e-12) }
        #expect(zip(s.distance, s.distance.dropFirst()).allSatisfy { $0 <= $1 } && Set(s.distance).count == s.distance.count - (s.runStarts.count - 1))
        let b = HighSymmetryPath.bcc.sample(lattice: .bcc(6), count: 60)
        #expect(b.ticks.map(\.label) == ["Γ", "H", "N", "Γ", "P", "H|P", "N"])
        #expect(b.runStarts.count == 2)
    }

    /// The gap at Γ from the non-self-consistent bands (converged potential, tight LOBPCG) equals
    /// the SCF's eigenvalues at Γ to 1e-6 Ha: GaAs PBE, ecut 25 Ha, 4×4×4, FD 0.01 Ha.
    @Test func gammaGapMatchesSCF() throws {
        BLASThreads.set(1)
        let lib = PseudopotentialLibrary.shared
        let crystal = try Crystal.zincblende("Ga", "As", a: 10.6826)
        let model = try Model(crystal: crystal,
                              pseudopotentials: ["Ga": try lib.lookup(element: "Ga", family: "GTH-PBE", valence: 3),
                                                 "As": try lib.lookup(element: "As", family: "GTH-PBE", valence: 5)],
                              functional: .pbe, smearing: .fermiDirac(0.01))
        let basis = try PlaneWaveBasis(model: model, discretization: try Discretization(ecut: 25, kmesh: [4, 4, 4]))
        var p = SCFParameters()
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-8
        let start = Date()
        let r = try SCF(basis: basis, parameters: p).run()
        #expect(r.converged)
        let gammaIndex = try #require(r.kpoints.firstIndex { norm($0.reduced) < 1e-12 })
        let scfGamma = r.eigenvalues[gammaIndex]
        let solver = try NonSelfConsistentBands(model: model, ecut: 25, fftSize: r.fftGrid, density: r.density)
        let bands = try BandStructure.compute(bands: solver, path: .fcc, points: 30, bands: 8)
        let gammaOnPath = try #require(bands.sampled.kpoints.firstIndex { norm($0) < 1e-12 })
        let e = bands.eigenvalues[gammaOnPath]
        let scfGap = scfGamma[4] - scfGamma[3], bandsGap = e[4] - e[3]
        print(String(format: "GaAs PBE Γ gap: SCF %.10f Ha, bands %.10f Ha, Δ = %.2e Ha (%.3f eV); max |Δε| over 8 bands %.2e Ha; %.1f s",
                     scfGap, bandsGap, bandsGap - scfGap, bandsGap * Units.hartreeInEV,
                     zip(e, scfGamma).map { abs($0 - $1) }.max()!, Date().timeIntervalSince(start)))
        #expect(abs(bandsGap - scfGap) < 1e-6, "Γ gap \(bandsGap) vs SCF \(scfGap)")
        for n in 0..<8 { #expect(abs(e[n] - scfGamma[n]) < 1e-6, "band \(n + 1) at Γ: \(e[n]) vs SCF \(scfGamma[n])") }
        // the path's gap is direct at Γ for GaAs
        let g = try #require(bands.gap)
        #expect(norm(g.vbmK) < 1e-12 && norm(g.cbmK) < 1e-12)
        // the DOS integrates to 2 states per band
        let dos = DensityOfStates(eigenvalues: r.eigenvalues, weights: r.kpoints.map(\.weight), sigma: 0.004, fermiLevel: r.fermiLevel)
        #expect(abs(dos.integrated.last! - 2 * Double(r.eigenvalues[0].count)) < 1e-6)
        var area = 0.0
        for i in 1..<dos.energies.count { area += (dos.dos[i] + dos.dos[i - 1]) / 2 * (dos.energies[i] - dos.energies[i - 1]) }
        #expect(abs(area - 2 * Double(r.eigenvalues[0].count)) < 1e-3)
    }

    /// Eigenvalues at the SCF's own k-points reproduce all its eigenvalues (not only Γ).
    @Test func meshEigenvaluesMatchSCF() throws {
        let lib = PseudopotentialLibrary.shared
        let crystal = try Crystal(lattice: .fcc(10.26), atoms: [Atom("Si", .zero), Atom("Si", SIMD3(repeating: 0.25))])
        let model = try Model(crystal: crystal, pseudopotentials: ["Si": try lib.lookup(element: "Si", family: "GTH-PADE", valence: 4)],
                              functional: .lda, smearing: .none)
        let basis = try PlaneWaveBasis(model: model, discretization: try Discretization(ecut: 12, kmesh: [3, 3, 3]))
        var p = SCFParameters()
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-8
        let r = try SCF(basis: basis, parameters: p).run()
        let solver = try NonSelfConsistentBands(model: model, ecut: 12, fftSize: r.fftGrid, density: r.density)
        let e = try solver.eigenvalues(kpoints: r.kpoints.map(\.reduced), bands: 4)
        for (k, (a, b)) in zip(e, r.eigenvalues).enumerated() {
            for n in 0..<4 { #expect(abs(a[n] - b[n]) < 1e-6, "k \(k) band \(n): \(a[n]) vs \(b[n])") }
        }
        #expect(throws: InputError.self) { try NonSelfConsistentBands(model: model, ecut: 12, fftSize: [8, 8, 8], density: r.density) }
    }
}
