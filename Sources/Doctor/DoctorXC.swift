import Bindings
import Foundation
import Parallel

/// libxc: its version, and PBE exchange at one point against an independently computed value.
struct XCCheck: DoctorCheck {
    let name = "libxc"
    static let tolerance = 1e-10
    /// ε_x^PBE(ρ = 0.1, σ = 0.2) per particle, spin-unpolarised: ε_x^LDA·F_x(s) with
    /// ε_x^LDA = −¾(3/π)^{1/3} ρ^{1/3}, s² = σ / (4(3π²)^{2/3} ρ^{8/3}),
    /// F_x = 1 + κ − κ/(1 + μs²/κ), κ = 0.804, μ = 0.2195149727645171
    /// (evaluated with mpmath at 30 digits: −0.452597523308599652…).
    static let reference = -0.45259752330859965

    func run(on comm: Communicator) throws -> DoctorResult {
        let pbe = try XCFunctional(name: "gga_x_pbe")
        let eps = pbe.evaluate(rho: [0.1], sigma: [0.2]).exc[0]
        let relative = abs(eps - Self.reference) / abs(Self.reference)
        let value = String(format: "libxc %@: PBE ε_x(ρ=0.1, σ=0.2) = %.15f, rel. error %.1e",
                           XCFunctional.libraryVersion, eps, relative)
        guard relative < Self.tolerance else {
            return fail(value, "libxc PBE exchange is off by more than \(Self.tolerance) (expected \(Self.reference)): "
                        + "install libxc 5 or later (libxc-dev)")
        }
        return pass(value)
    }
}
