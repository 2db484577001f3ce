import Bindings
import Foundation
import Testing
import PlaneWave

/// Non-self-consistent bands of a spin-polarised state: from (ρ, m), V↑ and V↓ are rebuilt and each
/// k-point solved in both channels, so at the SCF's own k-points the eigenvalues of each channel are
/// the SCF's; and the per-channel DOS sums to the total, each channel holding its electrons.
@Suite("Band structure and DOS per spin")
struct SpinBandsTests {
    @Test func ironBandsAtTheMeshAreTheSCFEigenvalues() throws {
        // bcc Fe as ABINITSpinReference.bccFe at a small cutoff and mesh (still a ferromagnet at 12 Ha; at 10 Ha it is not)
        let pp = PseudopotentialLibrary.shared.entries["Fe GTH-PADE-q8"]!
        let crystal = try Crystal(lattice: .bcc(5.42), atoms: [Atom("Fe", .zero)])
        let model = try Model(crystal: crystal, pseudopotentials: ["Fe": pp], functional: .lda, smearing: .fermiDirac(0.01),
                              magneticMoments: [3.0])
        let basis = try PlaneWaveBasis(model: model, discretization: try Discretization(ecut: 12, kmesh: [2, 2, 2]))
        var p = SCFParameters()
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-8
        let r = try SCF(basis: basis, parameters: p).run()
        let m = try #require(r.magnetization)
        #expect(r.converged && m.total > 1, "a ferromagnet: M = \(m.total) μB")
        let solver = try NonSelfConsistentBands(model: model, ecut: 12, fftSize: r.fftGrid, xcGrid: r.xcGrid, density: r.density)
        #expect(solver.potential.count == 2 * r.fftGrid.reduce(1, *))
        let e = try solver.eigenvalues(kpoints: r.kpoints.map(\.reduced), bands: 6)
        #expect(e.count == 2 * r.kpoints.count)
        for spin in 0..<2 {
            for (k, (a, b)) in zip(e[(spin * r.kpoints.count)...], r.eigenvalues(spin: spin)).enumerated() {
                for n in 0..<6 { #expect(abs(a[n] - b[n]) < 1e-6, "spin \(spin) k \(k) band \(n): \(a[n]) vs \(b[n])") }
            }
        }
        // the majority channel lies lower
        #expect(e[0][4] < e[r.kpoints.count][4])
        // DOS per channel (occupancy 1) on the same eigenvalues: up + down = the total; below E_F the
        // channels hold (N ± M)/2 electrons, up to the broadening's tails
        let w = r.kpoints.map(\.weight)
        let sigma = 0.005
        let window = (e.flatMap { $0 }.min()! - 0.2)...(e.flatMap { $0 }.max()! + 0.2)
        let up = DensityOfStates(eigenvalues: Array(e.prefix(r.kpoints.count)), weights: w, sigma: sigma, fermiLevel: r.fermiLevel,
                                 window: window, occupancy: 1)
        let down = DensityOfStates(eigenvalues: Array(e.suffix(r.kpoints.count)), weights: w, sigma: sigma, fermiLevel: r.fermiLevel,
                                   window: window, occupancy: 1)
        let total = DensityOfStates(eigenvalues: e, weights: w + w, sigma: sigma, fermiLevel: r.fermiLevel, window: window, occupancy: 1)
        var largest = 0.0
        for j in total.dos.indices { largest = max(largest, abs(total.dos[j] - up.dos[j] - down.dos[j])) }
        #expect(largest < 1e-9, "up + down − total: \(largest)")
        let upStates: Double = up.integrated.last!, allStates: Double = total.integrated.last!
        #expect(abs(upStates - 6) < 1e-9 && abs(allStates - 12) < 1e-9, "one state per band and k-point per channel")
        let i = total.energies.firstIndex { $0 >= r.fermiLevel }!
        let split: Double = up.integrated[i] - down.integrated[i]
        #expect(abs(split - m.total) < 0.3, "N↑ − N↓ = \(split) vs M = \(m.total)")
    }
}
