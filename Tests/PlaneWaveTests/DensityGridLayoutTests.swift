import Testing
import Foundation
import Bindings
@testable import PlaneWave

/// A distribution that claims two processes of which this is one, for the checks `SCF.run` makes
/// before its first collective call (the choice of the density grid's layout).
private struct TwoProcessesClaimed: KPointDistribution {
    func owns(_ k: Int) -> Bool { true }
    func sum(_ values: inout [Double]) {}
    var process: (rank: Int, count: Int) { (0, 2) }
}

/// One process holding the whole grid as its slab, its transforms the grid's own: the slab forms of
/// the terms must then give the whole-grid energies and potentials (the split over several processes
/// is tested under mpirun, `SCFIntegration`).
private final class WholeGridAsOneSlab: DensitySlabs {
    let grid: FourierGrid
    init(grid: FourierGrid) { self.grid = grid }
    var points: Range<Int> { 0..<grid.count }
    var planes: [Int] { [grid.size[0]] }
    func sum(_ values: inout [Double]) {}
    func gather(_ part: [Double]) -> [Double] { part }
    func fourier(_ part: [Double]) -> [Complex64] { grid.fourier(part) }
    func real(_ coefficients: [Complex64]) -> [Double] { grid.real(coefficients) }
}

/// `scf.density_grid: slabs` needs a preconditioner diagonal in G and one spin channel; otherwise the
/// SCF stops before it starts, naming the field and what is allowed (`auto` falls back to whole).
@Suite("density grid layout")
struct DensityGridLayoutTests {
    /// The error `SCF.run` stops with when `slabs` is asked of a claimed pair of processes ("ran" if none).
    static func slabsRefusal(_ basis: PlaneWaveBasis, _ parameters: SCFParameters) throws -> String {
        var p = parameters
        p.densityGrid = .slabs
        let scf = try SCF(basis: basis, parameters: p, distribution: TwoProcessesClaimed())
        do { _ = try scf.run() } catch { return "\(error)" }
        return "ran"
    }

    @Test("slabs with the hybrid preconditioner are refused, naming the field")
    func slabsRefusedWithTheHybridModel() throws {
        let (basis, _) = try siliconAtGamma(potentialSeed: 1)
        var parameters = SCFParameters()
        parameters.mixingModel = .hybrid
        let message = try Self.slabsRefusal(basis, parameters)
        #expect(message.contains("scf.density_grid") && message.contains("none, kerker or dielectric"), "\(message)")
    }

    @Test("slabs with two spin channels are refused, naming the field")
    func slabsRefusedWithSpin() throws {
        let (basis, parameters) = try siliconSpinSetUp(functional: .lda, moments: [1.0, 1.0])
        #expect(basis.spinChannels == 2)
        let message = try Self.slabsRefusal(basis, parameters)
        #expect(message.contains("scf.density_grid") && message.contains("one spin channel"), "\(message)")
    }

    @Test("the preconditioners diagonal in G expose their factor; the hybrid model does not")
    func fourierFactors() throws {
        let (basis, _) = try siliconAtGamma(potentialSeed: 1)
        let grid = FourierGrid(basis: basis)
        let kerker = KerkerPreconditioner(grid: grid, wavevector: 0.8)
        #expect(kerker.fourierFactor.map { $0(0.8 * 0.8) } == 0.5)   // G² = q₀²: one half
        #expect(NoPreconditioner().fourierFactor.map { $0(3.0) } == 1)
        var parameters = SCFParameters()
        parameters.mixingModel = .hybrid
        #expect(parameters.mixingPreconditioner(grid: grid).fourierFactor == nil)
    }

    /// GaAs PseudoDojo PBE (model core charges on both atoms) at its superposed atomic density, 10 Ha,
    /// 24³: each density term's slab energy and potential, and the slab gradient and divergence, equal
    /// the whole grid's to 1e-10 (relative for the energies).
    @Test("the density terms on one slab holding the whole grid equal their whole-grid forms",
          .enabled(if: FileManager.default.fileExists(atPath: ForceTermTests.dojo + "/Ga.psp8"), "PseudoDojo psp8 files absent"))
    func slabTermsEqualWholeTerms() throws {
        let basis = try ForceTermTests.basis(ForceTermTests.psp8(), functional: .pbe, atom: 0, shift: .zero)
        let grid = FourierGrid(basis: basis)
        let terms = try KohnShamTerms(basis: basis, grid: grid)
        let slab = GridSlab(grid: grid, slabs: WholeGridAsOneSlab(grid: grid))
        let rho = SCF.initialDensity(basis: basis, grid: grid)
        #expect(terms.evaluatesOnSlabs && terms.exchangeCorrelation.coreDensity != nil)
        let whole = try terms.densityEnergies(rho), parts = try terms.slabEnergies(rho, on: slab)
        for (t, (a, b)) in zip(terms.densityTerms, zip(whole, parts)) {
            #expect(abs(a - b) <= 1e-10 * max(1, abs(a)), "\(t.name): E \(b) on the slab, \(a) whole")
        }
        let v = try terms.potential(rho), vs = try terms.slabPotential(rho, on: slab)
        #expect(zip(v, vs).map { abs($0 - $1) }.max()! < 1e-10)
        let g = grid.gradient(rho), gs = try slab.gradient(rho)
        for a in 0..<3 { #expect(zip(g[a], gs[a]).map { abs($0 - $1) }.max()! < 1e-10, "∂_\(a)ρ") }
        let d = grid.divergence(g), ds = try slab.divergence(g)
        #expect(zip(d, ds).map { abs($0 - $1) }.max()! < 1e-10 && d.map(abs).max()! > 1e-3)
        // a finer XC grid is evaluated whole
        terms.use(try terms.exchangeCorrelation(on: [28, 28, 28]))
        #expect(!terms.evaluatesOnSlabs)
    }
}
