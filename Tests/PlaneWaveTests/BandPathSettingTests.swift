import Bindings
import Foundation
import Testing
import PlaneWave

/// The band path is a property of the crystal, not of the cell vectors it is given with: wurtzite
/// GaN written with the hexagonal vectors at 120° and, a second time, with a₁ and a₁ + a₂ (60°) in a
/// rotated Cartesian frame gives the same HEX path, and the bands at every labelled point agree to
/// 1e-8 Ha. The two cells span the same k-mesh and the same FFT grid points, so the SCF densities
/// are the same function; a small cutoff is enough (GTH-PBE, 6 Ha, 2×2×2, insulating occupations).
@Suite struct BandPathSettingTests {
    @Test func wurtziteBandsDoNotDependOnTheSetting() throws {
        BLASThreads.set(1)
        let a = 3.189 * Units.angstrom, c = 5.185 * Units.angstrom, u = 0.377
        let s3 = 3.0.squareRoot()
        let a1 = SIMD3(a / 2, -a * s3 / 2, 0), a2 = SIMD3(a / 2, a * s3 / 2, 0), a3 = SIMD3(0, 0, c)
        let reduced: [(String, SIMD3<Double>)] = [("Ga", SIMD3(1.0 / 3, 2.0 / 3, 0)), ("Ga", SIMD3(2.0 / 3, 1.0 / 3, 0.5)),
                                                  ("N", SIMD3(1.0 / 3, 2.0 / 3, u)), ("N", SIMD3(2.0 / 3, 1.0 / 3, 0.5 + u))]
        let first = try Crystal(lattice: Lattice(a1, a2, a3), atoms: reduced.map { Atom($0.0, $0.1) })
        // second setting: a₁′ = a₁, a₂′ = a₁ + a₂, so x₁′ = x₁ − x₂, x₂′ = x₂; then a rotation of the frame
        let axis = SIMD3(1.0, -2.0, 0.5) / norm(SIMD3(1.0, -2.0, 0.5))
        let angle = 0.9
        func rotate(_ x: SIMD3<Double>) -> SIMD3<Double> {
            x * cos(angle) + cross(axis, x) * sin(angle) + axis * dot(axis, x) * (1 - cos(angle))
        }
        let second = try Crystal(lattice: Lattice(rotate(a1), rotate(a1 + a2), rotate(a3)),
                                 atoms: reduced.map { Atom($0.0, SIMD3($0.1.x - $0.1.y, $0.1.y, $0.1.z)) })

        let lib = PseudopotentialLibrary.shared
        let pps = ["Ga": try lib.lookup(element: "Ga", family: "GTH-PBE", valence: 3),
                   "N": try lib.lookup(element: "N", family: "GTH-PBE", valence: 5)]
        func labelledBands(_ crystal: Crystal) throws -> (HighSymmetryPath, [String: [Double]], NonSelfConsistentBands) {
            let model = try Model(crystal: crystal, pseudopotentials: pps, functional: .pbe, smearing: .none)
            let basis = try PlaneWaveBasis(model: model, discretization: try Discretization(ecut: 6, kmesh: [2, 2, 2]))
            var p = SCFParameters()
            p.energyTolerance = 1e-12
            p.densityTolerance = 1e-10
            let r = try SCF(basis: basis, parameters: p).run()
            #expect(r.converged)
            let path = HighSymmetryPath.standard(for: crystal)
            let solver = try NonSelfConsistentBands(model: model, ecut: 6, fftSize: r.fftGrid, density: r.density)
            let labels = path.points.keys.sorted()
            let e = try solver.eigenvalues(kpoints: labels.map { path.points[$0]! }, bands: 10, tolerance: 1e-10)
            return (path, Dictionary(uniqueKeysWithValues: zip(labels, e)), solver)
        }
        let (p1, e1, _) = try labelledBands(first)
        let (p2, e2, solver2) = try labelledBands(second)
        #expect(p1.lattice == "HEX" && p2.lattice == "HEX")
        #expect(p1.description == "Γ–M–K–Γ–A–L–H–A|L–M|K–H" && p2.description == p1.description)
        // the second cell's points are other reduced coordinates of the same Cartesian vectors (up to symmetry)
        #expect(p1.points["K"] != p2.points["K"] || p1.points["M"] != p2.points["M"])
        var worst = 0.0
        for (label, bands) in e1 {
            let other = try #require(e2[label])
            for (x, y) in zip(bands.prefix(8), other.prefix(8)) { worst = max(worst, abs(x - y)) }
        }
        print(String(format: "GaN in two settings: largest difference of the 8 valence bands at the %d labelled points %.1e Ha", e1.count, worst))
        #expect(worst < 1e-8, "largest difference of the 8 valence bands at the labelled points: \(worst) Ha")
        // without the transformation (the first cell's reduced coordinates used in the second cell) M and K
        // would be other points: the comparison fails there
        let untransformed = try solver2.eigenvalues(kpoints: [p1.points["K"]!], bands: 10, tolerance: 1e-10)[0]
        #expect(zip(untransformed.prefix(8), e1["K"]!.prefix(8)).map { abs($0 - $1) }.max()! > 1e-3)
        // the bands differ between labelled points (the comparison can fail)
        #expect(abs(e1["K"]![7] - e1["Γ"]![7]) > 1e-3)
    }
}
