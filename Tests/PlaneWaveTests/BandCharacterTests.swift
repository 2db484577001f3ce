import Foundation
import Testing
import PlaneWave

/// Metallic or insulating, by `BandCharacter.classify`'s two criteria (odd electron count, overlapping bands).
@Suite struct BandCharacterTests {
    let k: [SIMD3<Double>] = [.zero, SIMD3(0.5, 0, 0)]

    @Test func insulatorKeepsItsGap() throws {
        // 4 electrons: bands 1–2 occupied; VBM 0.1 at k₀, CBM 0.3 at k₁
        let e = [[-0.5, 0.1, 0.4], [-0.4, 0.05, 0.3]]
        let c = BandCharacter.classify(eigenvalues: e, kpoints: k, electrons: 4)
        let g = try #require(c.gap)
        #expect(!c.isMetallic && abs(g.gap - 0.2) < 1e-15 && !g.direct)
        // touching bands (CBM = VBM) are metallic: a degenerate level half filled
        #expect(BandCharacter.classify(eigenvalues: [[-0.5, 0.1, 0.4], [-0.4, 0.05, 0.1]], kpoints: k, electrons: 4).isMetallic)
    }

    @Test func overlappingBandsAreMetallic() {
        // band 2's maximum 0.1 above band 3's minimum 0.05: the "gap" would be −0.05 Ha
        let e = [[-0.5, 0.1, 0.4], [-0.4, 0.0, 0.05]]
        #expect(BandGap.find(eigenvalues: e, kpoints: k, electrons: 4)!.gap < 0)
        let c = BandCharacter.classify(eigenvalues: e, kpoints: k, electrons: 4)
        #expect(c.isMetallic && c.gap == nil)
        #expect(c.metallicReason?.contains("bands 2 and 3 overlap by 1.361 eV") == true, "\(c.metallicReason ?? "")")
    }

    @Test func oddElectronCountIsMetallic() {
        let c = BandCharacter.classify(eigenvalues: [[-0.5, 0.1, 0.4]], kpoints: [.zero], electrons: 3)
        #expect(c.isMetallic && c.metallicReason?.contains("3 electrons (odd)") == true)
    }

    @Test func noEmptyBandIsUnknown() {
        let c = BandCharacter.classify(eigenvalues: [[-0.5, 0.1]], kpoints: [.zero], electrons: 4)
        #expect(c == .unknown && !c.isMetallic && c.gap == nil)
    }
}
