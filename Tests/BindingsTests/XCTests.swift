import Bindings
import Foundation
import Testing

extension Bindings {
    @Suite struct LibXC {
        @Test func pbeExchangeMatchesIndependentValue() throws {
            // ε_x^PBE(ρ=0.1, σ=0.2) from the PBE formula evaluated with mpmath (see Doctor/DoctorXC.swift)
            let pbe = try XCFunctional(name: "gga_x_pbe")
            #expect(pbe.family == .gga)
            let eps = pbe.evaluate(rho: [0.1], sigma: [0.2]).exc[0]
            #expect(abs(eps - -0.45259752330859965) / 0.45259752330859965 < 1e-10)
        }

        @Test func ldaExchangeIsDispatchedAsLDA() throws {
            // Slater exchange: ε_x = −¾ (3/π)^{1/3} ρ^{1/3}, v_x = (4/3) ε_x
            let lda = try XCFunctional(name: "lda_x")
            #expect(lda.family == .lda)
            let rho = 0.3
            let r = lda.evaluate(rho: [rho], sigma: nil)
            let expected = -0.75 * cbrt(3 / Double.pi) * cbrt(rho)
            #expect(abs(r.exc[0] - expected) < 1e-13)
            #expect(abs(r.vrho[0] - 4.0 / 3.0 * expected) < 1e-13)
        }

        @Test func unknownFunctionalThrows() {
            #expect(throws: XCFunctional.XCError.self) { try XCFunctional(name: "gga_x_nonexistent") }
            #expect(XCFunctional.libraryVersion.hasPrefix("5.") || XCFunctional.libraryVersion.hasPrefix("6.")
                    || XCFunctional.libraryVersion.hasPrefix("7."))
        }
    }
}
