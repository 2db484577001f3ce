import Testing
import Foundation
import Bindings
import PlaneWave

/// The radial integrals on linear and logarithmic grids against closed forms of Gaussian models.
@Suite("Radial grids")
struct RadialGridTests {
    /// A linear grid from 0 (ONCVPSP's: Δr = 0.01, to 15 bohr) and a logarithmic one as QE's
    /// atomic code writes (r_k = e^{x_min + k·dx}/Z, rab = r·dx; x_min = −7, dx = 0.0125, Z = 14, to 20 bohr).
    static let grids: [(String, RadialGrid)] = {
        let linear = RadialGrid(uniformSpacing: 0.01, count: 1501)
        let (xmin, dx, z) = (-7.0, 0.0125, 14.0)
        let n = Int(((log(20 * z) - xmin) / dx).rounded(.up)) + 1
        let r = (0..<n).map { exp(xmin + Double($0) * dx) / z }
        return [("linear", linear), ("logarithmic", try! RadialGrid(r: r, rab: r.map { $0 * dx }))]
    }()

    @Test("∫ and the Bessel transforms of Gaussians", arguments: [0, 1])
    func gaussians(_ g: Int) throws {
        let (label, grid) = Self.grids[g]
        let r = grid.r
        // ∫ r² e^{−r²} dr = √π/4; 4π ∫ r² e^{−r²} j₀(qr) dr = π^{3/2} e^{−q²/4}
        #expect(abs(grid.integrate(r.map { $0 * $0 * exp(-$0 * $0) }) - Double.pi.squareRoot() / 4) < 1e-10, "\(label)")
        for q in [0.0, 0.5, 2.0, 5.0] {
            let t = grid.transform(r.map { $0 * $0 * exp(-$0 * $0) }, l: 0, q: q)
            #expect(abs(t - pow(Double.pi, 1.5) * exp(-q * q / 4)) < 1e-9, "\(label) l=0 q=\(q): \(t)")
            // 4π ∫ r² (r e^{−r²}) j₁(qr) dr = (π^{3/2}/2) q e^{−q²/4}
            let t1 = grid.transform(r.map { $0 * $0 * $0 * exp(-$0 * $0) }, l: 1, q: q)
            #expect(abs(t1 - pow(Double.pi, 1.5) / 2 * q * exp(-q * q / 4)) < 1e-9, "\(label) l=1 q=\(q): \(t1)")
        }
    }

    /// A potential with V_loc = −Z erf(r/r_c)/r, a Gaussian core charge and valence density and an
    /// s projector r·β = r e^{−r²/2}, built on either grid: V(q) = −4πZ e^{−q²r_c²/4}/q², ε = πZr_c²,
    /// ρ(q) = N e^{−q²/4} for ρ(r) = N π^{−3/2} e^{−r²}, β(q) = (2π)^{3/2} e^{−q²/2}.
    @Test("a tabulated potential on either grid reproduces the closed forms", arguments: [0, 1])
    func potential(_ g: Int) throws {
        let (label, grid) = Self.grids[g]
        let r = grid.r
        let (z, rc) = (4.0, 0.7)
        let v = r.map { $0 == 0 ? -z * 2 / (rc * Double.pi.squareRoot()) : -z * erf($0 / rc) / $0 }
        let gauss = r.map { exp(-$0 * $0) / pow(Double.pi, 1.5) }
        let pp = NormConservingPseudopotential(
            element: "Si", name: label, zion: 4, radialGrid: grid, localPotential: v,
            channels: [ProjectorChannel(l: 0, h: [[1.0]])], projectors: [[r.map { $0 * exp(-$0 * $0 / 2) }]],
            coreCharge: gauss.map { 2 * $0 }, valenceDensity: gauss.map { 4 * $0 })
        #expect(abs(pp.localCoreTerm - Double.pi * z * rc * rc) < 1e-8, "\(label) ε \(pp.localCoreTerm)")
        for q in [0.05, 0.73, 3.3, 41.0] {
            let want = -4 * Double.pi * z * exp(-q * q * rc * rc / 4) / (q * q)
            #expect(abs(pp.localFourier(q) - want) < 1e-7 * max(1, abs(want)), "\(label) V(\(q)) \(pp.localFourier(q)) vs \(want)")
            #expect(abs(pp.coreChargeFourier(q) - 2 * exp(-q * q / 4)) < 1e-8, "\(label) core(\(q))")
            #expect(abs(pp.valenceDensityFourier(q) - 4 * exp(-q * q / 4)) < 1e-8, "\(label) valence(\(q))")
            let b = pp.projectorFourier(channel: 0, i: 0, q: [q], scale: 1)[0]
            #expect(abs(b - pow(2 * Double.pi, 1.5) * exp(-q * q / 2)) < 1e-8, "\(label) β(\(q)) \(b)")
        }
        #expect(abs(pp.valenceDensityFourier(0) - 4) < 1e-8)
    }
}
