import Testing
import Foundation
import Bindings
import PlaneWave

private let dojoInstalled = FileManager.default.fileExists(atPath: ABINITCase.psp8Directory)
private let dojoMissing: Comment = "PseudoDojo psp8 files absent (\(ABINITCase.psp8Directory)): install Debian's abinit-data (make test does)"

@Suite("psp8 (ONCVPSP) pseudopotentials")
struct Psp8Tests {
    @Test("energies and every term match ABINIT on a PseudoDojo file", .enabled(if: dojoInstalled, dojoMissing), arguments: psp8Cases)
    func matchesABINIT(_ c: ABINITCase) throws { try compareWithABINIT(c) }

    @Test("the header and tables of Si.psp8", .enabled(if: dojoInstalled, dojoMissing))
    func readsSi() throws {
        let f = try Psp8(contentsOf: ABINITCase.psp8Directory + "/Si.psp8")
        #expect(f.zatom == 14 && f.zion == 4 && f.pspcod == 8 && f.pspxc == 11)
        #expect(f.lmax == 2 && f.lloc == 4 && f.mmax == 600 && f.nproj == [2, 2, 2])
        #expect(f.fchrg == 4 && f.extensionSwitch == 1)
        #expect(f.radialGrid.count == 600 && f.radialGrid[599] == 5.99)
        #expect(f.ekb[0] == [5.1689652486091, 0.82988268871509] && f.ekb[2] == [-2.4273105548775, -0.48809680532294])
        #expect(f.localPotential[0] == -4.7664316506398 && f.localPotential[599] == -0.66777993897412)
        #expect(abs(f.coreCharge![0] - 2.8188246951649 / (4 * Double.pi)) < 1e-15)
        #expect(f.valenceDensity?.count == 600)
        #expect(abs(f.valenceDensity![0] - 2.8544022937266e-02 / (4 * Double.pi)) < 1e-15)
        // the G = 0 term ABINIT prints for this file (pspatm: epsatm= 9.34321699)
        let pp = try f.pseudopotential(element: "Si", name: "Si.psp8", file: "Si.psp8")
        #expect(abs(pp.localCoreTerm - 9.34321699) < 1e-7)
        // the file's valence density holds Z_ion = 4 less its tail beyond r = 5.99 bohr (3.9533, by
        // an independent trapezoid sum over the file's column)
        #expect(pp.hasValenceDensity && abs(pp.valenceDensityFourier(0) - 3.953282617) < 1e-6)
        #expect(throws: InputError.self) { try f.pseudopotential(element: "Ge", name: "Si.psp8", file: "Si.psp8") }
    }

    /// Malformed files: one line naming the file and the problem.
    @Test("malformed psp8 files are InputErrors naming the file", .enabled(if: dojoInstalled, dojoMissing))
    func malformed() throws {
        let text = try String(contentsOfFile: ABINITCase.psp8Directory + "/Si.psp8", encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func expectError(_ text: String, _ fragment: String) {
            do {
                _ = try Psp8(text: text, file: "bad.psp8")
                Issue.record("no error for \(fragment)")
            } catch let e as InputError {
                #expect(e.description.contains("bad.psp8") && e.description.contains(fragment), "\(e)")
                #expect(!e.description.contains("\n"))
            } catch { Issue.record("\(error)") }
        }
        expectError(lines.prefix(100).joined(separator: "\n"), "the file ends before")
        var wrongCode = lines
        wrongCode[2] = wrongCode[2].replacingOccurrences(of: "8      11", with: "10      11")
        expectError(wrongCode.joined(separator: "\n"), "pspcod is 10")
        lines[20] = "13  1.2000000000000D-01  NaN -1.0"
        expectError(lines.joined(separator: "\n"), "is not a finite number")
    }

    /// The interpolated transforms against the direct radial integrals (here with another Bessel
    /// evaluation), at points between the table's nodes and either side of its end.
    @Test("tabulated transforms agree with the direct integrals", .enabled(if: dojoInstalled, dojoMissing))
    func interpolation() throws {
        let pp = try Psp8(contentsOf: ABINITCase.psp8Directory + "/Si.psp8").pseudopotential(element: "Si", name: "Si", file: "Si.psp8")
        let limit = NormConservingPseudopotential.tableLimit
        let qs = stride(from: 0.0037, through: limit, by: 0.0731).map { $0 } + [limit - 1e-9, limit + 1e-9, limit + 3.3]
        let z = Double(pp.zion)
        #expect(pp.radialGrid == RadialGrid(uniformSpacing: 0.01, count: 600))
        let dr = 0.01
        func direct(_ f: (Double, Int) -> Double, l: Int, _ q: Double) -> Double {
            var s = 0.0
            for k in pp.localPotential.indices {
                let r = Double(k) * dr
                let w = k == 0 || k == pp.localPotential.count - 1 ? 0.5 : 1
                s += w * f(r, k) * Psp8Tests.sphericalBesselReference(l, q * r)
            }
            return 4 * Double.pi * s * dr
        }
        func worst(_ got: [Double], _ want: [Double]) -> Double {
            let scale = want.map(abs).max()!
            return zip(got, want).map { abs($0 - $1) / scale }.max()!
        }
        let local = worst(qs.map { pp.localFourier($0) + 4 * Double.pi * z * exp(-$0 * $0 / 4) / ($0 * $0) },
                          qs.map { q in direct({ r, k in r == 0 ? 0 : r * r * pp.localPotential[k] + z * r * erf(r) }, l: 0, q) })
        let core = worst(qs.map { pp.coreChargeFourier($0) },
                         qs.map { q in direct({ r, k in r * r * pp.coreCharge![k] }, l: 0, q) })
        let valence = worst(qs.map { pp.valenceDensityFourier($0) },
                            qs.map { q in direct({ r, k in r * r * pp.valenceDensity![k] }, l: 0, q) })
        var projectors = 0.0
        for c in pp.projectorChannels.indices {
            for i in 0..<pp.projectorChannels[c].count {
                let want = qs.map { q in direct({ r, k in r * pp.projectors[c][i][k] }, l: pp.projectorChannels[c].l, q) }
                projectors = max(projectors, worst(pp.projectorFourier(channel: c, i: i, q: qs, scale: 1), want))
            }
        }
        print("psp8 Si: worst interpolation error relative to each function's largest value: local \(local), core \(core), valence \(valence), projectors \(projectors)")
        #expect(local < 1e-7 && core < 1e-7 && valence < 1e-7 && projectors < 1e-7)
    }

    /// Why the 40 Ha GaAs reference needs `abinitRadialRefinement`: for a smooth projector sampled
    /// on a psp8 grid, u(r) = r^{l+1} e^{−r²/2σ²} with transform 4π √(π/2) σ^{2l+3} q^l e^{−q²σ²/2},
    /// this engine's trapezoidal transform is exact to rounding, while ABINIT's piecewise-cubic
    /// refinement of the same points changes it by far more.
    @Test("trapezoidal projector transforms are exact where ABINIT's refined mesh is not")
    func projectorQuadrature() throws {
        let grid = RadialGrid(uniformSpacing: 0.01, count: 600)
        let sigma = 0.4
        let channels = (0...2).map { ProjectorChannel(l: $0, h: [[1.0]]) }
        let projectors = (0...2).map { l in [grid.r.map { r in pow(r, Double(l + 1)) * exp(-r * r / (2 * sigma * sigma)) }] }
        let pp = NormConservingPseudopotential(element: "X", name: "gaussian", zion: 1, radialGrid: grid,
                                               localPotential: grid.r.map { $0 == 0 ? -2 / Double.pi.squareRoot() : -erf($0) / $0 },
                                               channels: channels, projectors: projectors, coreCharge: nil)
        let refined = abinitRefined(pp, by: 2)
        let qs = [0.5, 3, 6, 8.94, 12, 18]
        var ours = 0.0, abinit = 0.0
        for l in 0...2 {
            let exact = qs.map { q in 4 * Double.pi * (Double.pi / 2).squareRoot() * pow(sigma, Double(2 * l + 3)) * pow(q, Double(l)) * exp(-q * q * sigma * sigma / 2) }
            let scale = exact.map(abs).max()!
            for (k, q) in qs.enumerated() {
                ours = max(ours, abs(pp.projectorFourier(channel: l, i: 0, q: [q], scale: 1)[0] - exact[k]) / scale)
                abinit = max(abinit, abs(refined.projectorFourier(channel: l, i: 0, q: [q], scale: 1)[0] - exact[k]) / scale)
            }
        }
        print("gaussian projectors: largest transform error relative to the largest value: trapezoidal \(ours), ABINIT's refined mesh \(abinit)")
        #expect(ours < 1e-12)
        #expect(abinit > 1e-10)
    }

    /// The one-pass tables (`RadialGrid.transforms`, one sine and cosine per point and q for all the
    /// functions) are the single transforms, bit for bit, for functions of several lengths and l ≤ 3.
    @Test("one pass over (q, r) gives each function's transform exactly")
    func sharedBesselTransforms() {
        let grid = RadialGrid(uniformSpacing: 0.01, count: 500)
        let functions: [(f: [Double], l: Int)] = (0...3).map { l in
            (grid.r.map { r in pow(r, Double(l + 2)) * exp(-r * r) }, l)
        } + [(Array(grid.r.prefix(321).map { r in r * r * exp(-2 * r) }), 0), ([Double](repeating: 0, count: 500), 2)]
        let qs = (0..<300).map { Double($0) * 0.07 }
        let tables = grid.transforms(functions, at: qs)
        for (i, fn) in functions.enumerated() {
            for (n, q) in qs.enumerated() {
                #expect(tables[i][n] == grid.transform(fn.f, l: fn.l, q: q), "function \(i), q = \(q)")
            }
        }
    }

    static func sphericalBesselReference(_ l: Int, _ x: Double) -> Double {
        if x == 0 { return l == 0 ? 1 : 0 }
        // upward recurrence from j0 and j1 (accurate for x ≥ l)
        var j0 = sin(x) / x
        if l == 0 { return j0 }
        var j1 = sin(x) / (x * x) - cos(x) / x
        if x < 1 { // series for small arguments
            var t = 1.0, s = 0.0, term = 1.0
            for n in 1...l { t *= x / Double(2 * n + 1) }
            for m in 0..<12 {
                s += term
                term *= -x * x / (2 * Double(m + 1) * Double(2 * l + 2 * m + 3))
            }
            return t * s
        }
        for n in 1..<l { let j2 = Double(2 * n + 1) / x * j1 - j0; j0 = j1; j1 = j2 }
        return j1
    }
}
