import Foundation
import Testing
import Input

@Suite struct StageTolerancesTests {
    /// recommended.json states each stage's criteria; one written before that (a single set of
    /// criteria) still reads, answering for every stage.
    @Test func byStageAndTheOlderSingleSet() throws {
        var cutoff = ConvergenceCriteria()
        cutoff.energy_eV_per_atom = 0.02
        let t = StageTolerances(["cutoff": cutoff, "kmesh": ConvergenceCriteria()])
        let back = try JSONCoding.decoder().decode(StageTolerances.self, from: try JSONCoding.encoder().encode(t))
        #expect(back == t && back["cutoff"]?.energy_eV_per_atom == 0.02 && back["lattice"] == nil)
        let older = try JSONCoding.decoder().decode(StageTolerances.self, from: try JSONCoding.encoder().encode(cutoff))
        #expect(older["kmesh"] == cutoff && older["cutoff"] == cutoff)
        #expect(throws: (any Error).self) { try JSONCoding.decoder().decode(StageTolerances.self, from: Data("[1]".utf8)) }
    }
}
