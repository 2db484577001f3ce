import Testing
import Foundation
import Bindings
@testable import PlaneWave

/// The mixing of a spin-polarised density (`CollinearSpinPreconditioner`) and the exchange–correlation
/// grid check (`XCGridRefinement`), of which a hard ferromagnet (bcc Fe, GTH q16, PBE) needs several
/// refinements.
struct SpinMixingTests {
    /// P(Δρ, Δm) = (Kerker Δρ, s Δm): the density's part exactly Kerker's alone, the magnetisation's
    /// scaled by the configured factor (½ by default), and the unpolarised preconditioner unchanged.
    @Test func magnetizationResidualIsScaled() throws {
        let (basis, _) = try spinSetUp(ABINITSpinReference.bccFe)
        let grid = FourierGrid(basis: basis)
        let n = grid.count
        var p = SCFParameters()
        #expect(p.magnetizationMixingFactor == 0.5)
        p.magnetizationMixingFactor = 3
        let spin = try #require(p.mixingPreconditioner(grid: grid, spinChannels: 2) as? CollinearSpinPreconditioner)
        #expect(p.mixingPreconditioner(grid: grid) is KerkerPreconditioner)
        var residual = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let x = Double(i)
            residual[i] = 0.3 + sin(0.7 * x)
            residual[n + i] = 0.3 + sin(0.7 * x) + cos(0.2 * x)
        }
        var total = Array(residual[0..<n])
        KerkerPreconditioner(grid: grid, wavevector: p.kerkerWavevector).precondition(&total)
        let m = Array(residual[n...])
        spin.precondition(&residual)
        #expect(abs(total.reduce(0, +)) < 1e-9 * Double(n), "Kerker removes the G = 0 part of Δρ")
        #expect((0..<n).allSatisfy { abs(residual[$0] - total[$0]) < 1e-13 }, "Δρ as Kerker alone")
        #expect((0..<n).allSatisfy { abs(residual[n + $0] - 3 * m[$0]) < 1e-13 }, "Δm × 3, unscreened")
        p.magnetizationMixingFactor = 0
        #expect(throws: InputError.self) { try p.validated() }
    }

    /// For bcc Fe GTH q16 PBE at 30 Ha (density grid 24³), E_xc of the density after four SCF steps
    /// moves by more than the tolerance over several 1.25× refinements (the smooth Gaussian start does not): one check goes to the grid the repeated checks
    /// would reach (beyond the first finer one), and a second check on the same density keeps it.
    @Test func oneCheckReachesTheConvergedGrid() throws {
        let (basis, p0) = try spinSetUp(ABINITSpinReference.bccFePBE)
        var p = p0
        p.maxIterations = 4
        let rho = try SCF(basis: basis, parameters: p).run().density
        let grid = FourierGrid(basis: basis)
        let terms = try KohnShamTerms(basis: basis, grid: grid)
        let check = XCGridRefinement(tolerance: try #require(SCFParameters().xcGridTolerance))
        let start = terms.exchangeCorrelation.xcGrid.size
        let first = try #require(try check.refined(terms: terms, density: rho, atoms: 1))
        #expect(first.xcGrid.size.indices.allSatisfy { first.xcGrid.size[$0] > XCGridRefinement.next(start)[$0] },
                "refined from \(start) to \(first.xcGrid.size)")
        terms.use(first)
        #expect(try check.refined(terms: terms, density: rho, atoms: 1) == nil, "a second check refines again")
    }
}
