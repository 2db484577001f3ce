import Testing
import Foundation
import PlaneWave
import Bindings

/// Si(001) in its 1×1 surface cell, a₁ = (a/2)(1, 1, 0), a₂ = (a/2)(−1, 1, 0), one atom per layer:
/// `layers` layers, and with `vacuum` (bohr) > 0 the slab whose two surfaces carry two hydrogen
/// atoms on each outer Si (the dihydride: bonds of 2.8 bohr along the missing Si–Si bonds), a gap
/// of `vacuum` between the outermost H of neighbouring slabs; with `vacuum` = 0 the bulk crystal of
/// the same lateral cell (`layers` a multiple of 4).
func siliconSlab(a: Double, layers: Int, vacuum: Double) -> (Lattice, [Atom]) {
    let q = a / 4
    // diamond along [001]: A-site layers at even, B-site at odd multiples of a/4
    let layerOffsets: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(q, q, q), SIMD3(2 * q, 0, 2 * q), SIMD3(3 * q, q, 3 * q)]
    var cartesian: [(String, SIMD3<Double>)] = (0..<layers).map { l in
        ("Si", layerOffsets[l % 4] + SIMD3(0, 0, Double(l / 4) * a))
    }
    let bond = 2.8, unit = bond / 3.0.squareRoot()
    var height = Double(layers / 4) * a
    if vacuum > 0 {
        let bottom = cartesian[0].1, top = cartesian[layers - 1].1
        // the bottom layer is an A site, whose bonds down are (1, −1, −1) and (−1, 1, −1); the top
        // one's (a B site when layers ≡ 0 mod 4) up are (−1, 1, 1) and (1, −1, 1)
        for d in [SIMD3<Double>(1, -1, -1), SIMD3(-1, 1, -1)] { cartesian.append(("H", bottom + unit * d)) }
        for d in [SIMD3<Double>(-1, 1, 1), SIMD3(1, -1, 1)] { cartesian.append(("H", top + unit * d)) }
        height = (top.z - bottom.z) + 2 * unit + vacuum
    }
    let lattice = Lattice(SIMD3(a / 2, a / 2, 0), SIMD3(-a / 2, a / 2, 0), SIMD3(0, 0, height))
    // reduced coordinates: x = u − v, y = u + v in units of a/2; the slab centred along c
    let shift = vacuum > 0 ? height / 2 - (cartesian[0].1.z + cartesian[layers - 1].1.z) / 2 : 0
    let atoms = cartesian.map { (s, r) in
        Atom(s, SIMD3((r.x + r.y) / a, (r.y - r.x) / a, (r.z + shift) / height))
    }
    return (lattice, atoms)
}

@Suite struct SlabMixingTests {
    static let a = 10.26   // bohr, Si

    /// An SCF of `lattice`/`atoms` (GTH-PADE LDA, no smearing, XC on the density grid) with the
    /// given mixing model (nil: the default); tolerances fixed, so that every model stops at the same place.
    static func run(_ lattice: Lattice, _ atoms: [Atom], kmesh: [Int], model: MixingModel?, dielectricConstant: Double? = nil) throws -> SCFResult {
        let lib = PseudopotentialLibrary.shared.entries
        let crystal = try Crystal(lattice: lattice, atoms: atoms)
        let m = try Model(crystal: crystal, pseudopotentials: ["Si": lib["Si GTH-PADE-q4"]!, "H": lib["H GTH-PADE-q1"]!],
                          functional: .lda, smearing: .none)
        let basis = try PlaneWaveBasis(model: m, discretization: try Discretization(ecut: 5, kmesh: kmesh))
        var p = SCFParameters()
        p.xcGridTolerance = nil
        p.energyTolerance = 1e-9
        p.densityTolerance = 1e-6
        p.mixingModel = model
        p.mixingDielectricConstant = dielectricConstant
        return try SCF(basis: basis, parameters: p).run()
    }

    /// GMRES on a non-symmetric 6×6 system A = 2·1 + N (N a fixed non-symmetric matrix): x within 1e-10
    /// of the solution, in at most 6 iterations (exact in exact arithmetic), and the stated residual true.
    @Test func gmresSolvesANonSymmetricSystem() {
        let n = 6
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n { a[i][j] = 0.4 * sin(Double(3 * i + 7 * j + 1)) }
            a[i][i] += 2
        }
        let x0: [Double] = (0..<n).map { Double($0) - 2.5 }
        let apply: ([Double]) -> [Double] = { x in
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { y[i] += a[i][j] * x[j] } }
            return y
        }
        let b = apply(x0)
        let s = GMRES(relativeTolerance: 1e-13, maxIterations: 20).solve(b, apply)
        #expect(s.converged && s.iterations <= n, "\(s.iterations) iterations")
        #expect(zip(s.x, x0).allSatisfy { abs($0 - $1) < 1e-10 }, "\(s.x)")
        let loose = GMRES(relativeTolerance: 1e-2, maxIterations: 20).solve(b, apply)
        let r = zip(apply(loose.x), b).map { $0 - $1 }
        let r2: Double = r.reduce(0) { $0 + $1 * $1 }, b2: Double = b.reduce(0) { $0 + $1 * $1 }
        let ratio = (r2 / b2).squareRoot()
        #expect(loose.converged && ratio <= 1e-2 && abs(ratio - loose.relativeResidual) < 1e-12, "\(ratio) vs \(loose.relativeResidual)")
    }

    /// The hybrid model's two limits: where L ≡ 1 (dense material everywhere) it is the homogeneous
    /// dielectric model, P(G) = (G² + q₀²/ε_r)/(G² + q₀²), for G ≠ 0; where L ≡ 0 (vacuum everywhere)
    /// nothing screens and P = 1. The charge (G = 0) passes unchanged in both (`KerkerPreconditioner`
    /// scales it by 1/ε_r, so the comparison is made without it).
    @Test func hybridModelLimits() throws {
        let (basis, _) = try zincblendeSetUp(lattice: Self.a, species: ["Si", "Si"],
                                             pseudopotentials: ["Si": PseudopotentialLibrary.shared.entries["Si GTH-PADE-q4"]!],
                                             functional: .lda, smearing: .none, ecut: 4, kmesh: [1, 1, 1])
        let grid = FourierGrid(basis: basis)
        // the longest wave along b₁ (G² = 1.1 bohr⁻², P = 0.67) and short-wave noise
        let plane = grid.size[1] * grid.size[2]
        let wave: [Double] = (0..<grid.count).map { i in
            0.01 * sin(2 * Double.pi * Double(i / plane) / Double(grid.size[0])) + 0.003 * sin(Double(i) * 0.37)
        }
        let neutral = wave.map { $0 - wave.reduce(0, +) / Double(grid.count) }
        let residual = neutral.map { $0 + 0.002 }
        let hybrid = InhomogeneousDielectricPreconditioner(grid: grid, wavevector: 0.8, dielectricConstant: 10,
                                                           localization: DielectricLocalization(), solverTolerance: 1e-12)
        var homogeneous = neutral
        KerkerPreconditioner(grid: grid, wavevector: 0.8, dielectricConstant: 10).precondition(&homogeneous)
        var dense = residual
        hybrid.precondition(&dense, density: [Double](repeating: 1, count: grid.count))
        dense = dense.map { $0 - 0.002 }
        #expect(zip(dense, homogeneous).allSatisfy { abs($0 - $1) < 1e-12 }, "\(zip(dense, homogeneous).map { abs($0 - $1) }.max()!)")
        #expect(zip(dense, neutral).contains { abs($0 - $1) > 1e-3 })
        var vacuum = residual
        hybrid.precondition(&vacuum, density: [Double](repeating: 0, count: grid.count))
        #expect(zip(vacuum, residual).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(abs(dense.reduce(0, +)) < 1e-10)
        // spin-polarised (Δρ, Δm) through the spin preconditioner: the total screened as above at the
        // total density, the magnetisation's residual unchanged with factor 1
        var polarised = residual + wave
        let n = grid.count
        CollinearSpinPreconditioner(charge: hybrid, magnetizationFactor: 1, points: n)
            .precondition(&polarised, density: [Double](repeating: 1, count: n) + [Double](repeating: 0, count: n))
        #expect((0..<n).allSatisfy { abs(polarised[$0] - 0.002 - homogeneous[$0]) < 1e-12 })
        #expect((0..<n).allSatisfy { polarised[n + $0] == wave[$0] })
    }

    /// Issue #19's slab criterion. H-terminated Si(001), eight Si layers (8 Si + 4 H, 12 atoms) with
    /// 20 bohr (10.6 Å) of vacuum between the H layers, 2×2×1 k, against the bulk of the same lateral
    /// cell (4 Si, one cubic lattice constant along the normal, 2×2×2 k), ecut 5 Ha, LDA, no smearing. The bulk with the default Kerker mixing is the
    /// reference; in the slab the hybrid model (ε_r = 12, confined to the material) stays within 1.5× of
    /// its iteration count, while plain Anderson (P = 1) needs more than twice as many (the slab's
    /// long waves along the normal are screened weakly: they converge slowly without a model). Both
    /// reach the same F. (Kerker, 17 steps, damps those waves far too much; not run here, for CI time.)
    @Test func slabConvergesLikeTheBulkWithTheHybridModel() throws {
        let (bl, ba) = siliconSlab(a: Self.a, layers: 4, vacuum: 0)
        let (sl, sa) = siliconSlab(a: Self.a, layers: 8, vacuum: 20)
        let bulk = try Self.run(bl, ba, kmesh: [2, 2, 2], model: nil)
        let hybrid = try Self.run(sl, sa, kmesh: [2, 2, 1], model: .hybrid, dielectricConstant: 12)
        let plain = try Self.run(sl, sa, kmesh: [2, 2, 1], model: MixingModel.none)
        print("Si4 bulk \(bulk.iterations) steps; Si8H4 slab: hybrid \(hybrid.iterations), none \(plain.iterations)")
        #expect(bulk.converged && hybrid.converged && plain.converged)
        #expect(2 * hybrid.iterations <= 3 * bulk.iterations, "hybrid \(hybrid.iterations) steps, bulk \(bulk.iterations)")
        #expect(plain.iterations > 2 * bulk.iterations, "plain Anderson \(plain.iterations) steps, bulk \(bulk.iterations)")
        #expect(abs(plain.freeEnergy - hybrid.freeEnergy) < 1e-7, "F = \(plain.freeEnergy) against \(hybrid.freeEnergy) Ha")
    }
}
