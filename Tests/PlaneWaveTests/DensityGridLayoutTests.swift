import Testing
@testable import PlaneWave

/// A distribution that claims two processes of which this is one, for the checks `SCF.run` makes
/// before its first collective call (the choice of the density grid's layout).
private struct TwoProcessesClaimed: KPointDistribution {
    func owns(_ k: Int) -> Bool { true }
    func sum(_ values: inout [Double]) {}
    var process: (rank: Int, count: Int) { (0, 2) }
}

/// `scf.density_grid: slabs` needs a preconditioner diagonal in G and one spin channel; otherwise the
/// SCF stops before it starts, naming the field and what is allowed (`auto` falls back to whole).
@Suite("density grid layout")
struct DensityGridLayoutTests {
    @Test("slabs with the hybrid preconditioner are refused, naming the field")
    func slabsRefusedWithTheHybridModel() throws {
        let (basis, _) = try siliconAtGamma(potentialSeed: 1)
        var parameters = SCFParameters()
        parameters.densityGrid = .slabs
        parameters.mixingModel = .hybrid
        let scf = try SCF(basis: basis, parameters: parameters, distribution: TwoProcessesClaimed())
        var message = "ran"
        do { _ = try scf.run() } catch { message = "\(error)" }
        #expect(message.contains("scf.density_grid") && message.contains("none, kerker or dielectric"), "\(message)")
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
}
