import Bindings
import Foundation

/// ABINIT's psp8 format (pspcod 8, written by ONCVPSP), scalar-relativistic:
/// ```
/// title
/// zatom zion pspd
/// pspcod pspxc lmax lloc mmax r2well
/// rchrg fchrg qchrg                  (fchrg > 0: a model core charge follows)
/// nproj(0) … nproj(lmax)
/// extension_switch                   (1 or 3: a valence density follows; 2 or 3: spin–orbit projectors)
/// nprojso(1) … nprojso(lmax)         (only with spin–orbit projectors)
/// for each l ≤ lmax with nproj(l) > 0:  l ekb(1…nproj(l)), then mmax lines "k r u_1(r) … u_n(r)" (u = r·β)
/// if lloc ≤ 4:                          lloc, then mmax lines "k r V_loc(r)"
/// with spin–orbit, for each 1 ≤ l ≤ lmax with nprojso(l) > 0: a block like the projectors'
/// if fchrg > 0:                         mmax lines "k r 4πρ_c(r) and 4 derivatives"
/// with a valence density:               mmax lines "k r 4πρ_val(r) …"
/// ```
/// The spin–orbit projectors are skipped: the scalar-relativistic part is what ABINIT uses without
/// spin–orbit coupling (`pspso 0`). Text after the tables (ONCVPSP appends its input) is ignored.
/// The radial grid must be uniform and start at r = 0, as ONCVPSP writes it.
public struct Psp8: Sendable {
    public let title: String
    public let zatom: Double
    public let zion: Double
    public let pspcod: Int
    /// ABINIT ixc code of the functional (11 = PBE; negative: libxc ids).
    public let pspxc: Int
    public let lmax: Int
    public let lloc: Int
    public let mmax: Int
    public let r2well: Double
    public let rchrg: Double
    public let fchrg: Double
    public let qchrg: Double
    /// Projectors per l = 0…lmax.
    public let nproj: [Int]
    public let extensionSwitch: Int
    public let radialGrid: [Double]
    /// ekb per l (Ha), nproj(l) values each.
    public let ekb: [[Double]]
    /// u = r·β per l and projector, on `radialGrid`.
    public let projectors: [[[Double]]]
    public let localPotential: [Double]
    /// ρ_c(r) (the file's 4πρ_c divided by 4π), nil when fchrg = 0.
    public let coreCharge: [Double]?
    /// ρ_val(r) (the file's 4πρ_val divided by 4π, electrons/bohr³), nil without one. ONCVPSP writes
    /// 4πρ: ∫ r² (column) dr over the PseudoDojo Si grid is 3.953, Z_ion = 4 less the tail beyond
    /// the grid's end at 5.99 bohr.
    public let valenceDensity: [Double]?

    /// Reads `path`; every problem is an `InputError` naming the file.
    public init(contentsOf path: String, field: String = "pseudopotentials") throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw InputError(field, "cannot read the psp8 file", file: path)
        }
        try self.init(text: text, file: path, field: field)
    }

    public init(text: String, file: String, field: String = "pseudopotentials") throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        func fail(_ message: String) -> InputError { InputError(field, message, file: file, line: min(i, lines.count)) }
        func fields(_ what: String) throws -> [Substring] {
            guard i < lines.count else { throw fail("the file ends before \(what)") }
            defer { i += 1 }
            return lines[i].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        }
        func number(_ f: Substring, _ what: String) throws -> Double {
            let s = f.contains(where: { $0 == "D" || $0 == "d" })
                ? f.replacingOccurrences(of: "D", with: "E").replacingOccurrences(of: "d", with: "e") : String(f)
            guard let v = Double(s), v.isFinite else { throw fail("'\(f)' in \(what) is not a finite number") }
            return v
        }
        func numbers(_ what: String, count: Int) throws -> [Double] {
            let f = try fields(what)
            guard f.count >= count else { throw fail("\(what): expected \(count) numbers, found \(f.count)") }
            return try f.prefix(count).map { try number($0, what) }
        }
        func integer(_ x: Double, _ what: String) throws -> Int {
            guard x == x.rounded(), abs(x) < 1e6 else { throw fail("\(what) must be an integer, got \(x)") }
            return Int(x)
        }

        title = lines.first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        i = 1
        let l2 = try numbers("the line 'zatom zion pspd'", count: 2)
        zatom = l2[0]; zion = l2[1]
        let l3 = try numbers("the line 'pspcod pspxc lmax lloc mmax r2well'", count: 6)
        pspcod = try integer(l3[0], "pspcod")
        guard pspcod == 8 else { throw fail("pspcod is \(pspcod), not 8: not a psp8 (ONCVPSP) file") }
        pspxc = try integer(l3[1], "pspxc")
        lmax = try integer(l3[2], "lmax")
        lloc = try integer(l3[3], "lloc")
        mmax = try integer(l3[4], "mmax")
        r2well = l3[5]
        guard (0...3).contains(lmax) else { throw fail("lmax \(lmax) is not supported (0…3)") }
        guard mmax >= 4 else { throw fail("mmax \(mmax) is too small for a radial grid") }
        guard zion > 0, zion == zion.rounded(), zion <= zatom else { throw fail("zion \(zion) must be a whole number in 1…zatom \(zatom)") }
        let l4 = try numbers("the line 'rchrg fchrg qchrg'", count: 3)
        rchrg = l4[0]; fchrg = l4[1]; qchrg = l4[2]
        let l5 = try numbers("the line 'nproj'", count: lmax + 1)
        nproj = try l5.map { try integer($0, "nproj") }
        guard nproj.allSatisfy({ $0 >= 0 && $0 <= 5 }) else { throw fail("nproj \(nproj) must be 0…5 per l") }
        let l6 = try numbers("the line 'extension_switch'", count: 1)
        extensionSwitch = try integer(l6[0], "extension_switch")
        guard (0...3).contains(extensionSwitch) else {
            throw fail("extension_switch \(extensionSwitch) is not supported (0…3)")
        }
        let hasSpinOrbit = extensionSwitch >= 2
        let nprojso = hasSpinOrbit && lmax > 0
            ? try numbers("the line 'nprojso'", count: lmax).map { try integer($0, "nprojso") } : []
        guard nprojso.allSatisfy({ $0 >= 0 && $0 <= 5 }) else { throw fail("nprojso \(nprojso) must be 0…5 per l") }

        var grid: [Double] = []
        let points = mmax
        func table(_ what: String, columns: Int) throws -> [[Double]] {
            var cols = [[Double]](repeating: [], count: columns)
            var r: [Double] = []
            for k in 0..<points {
                let v = try numbers(what, count: 2 + columns)
                guard try integer(v[0], "the point index of \(what)") == k + 1 else { throw fail("\(what): expected point \(k + 1), got \(v[0])") }
                r.append(v[1])
                for c in 0..<columns { cols[c].append(v[2 + c]) }
            }
            if grid.isEmpty {
                guard r[0] == 0 else { throw fail("\(what): the radial grid must start at r = 0, got \(r[0])") }
                let dr = r[1]
                guard dr > 0, r.indices.allSatisfy({ abs(r[$0] - Double($0) * dr) <= 1e-9 * max(1, r[$0]) }) else {
                    throw fail("\(what): the radial grid is not uniform (only ONCVPSP's linear grid is supported)")
                }
                grid = r
            } else if r != grid {
                throw fail("\(what): the radial grid differs from the first table's")
            }
            return cols
        }

        var ekb: [[Double]] = []
        var projectors: [[[Double]]] = []
        for l in 0...lmax {
            guard nproj[l] > 0 else { ekb.append([]); projectors.append([]); continue }
            let head = try numbers("the header 'l ekb…' of the l=\(l) projectors", count: 1 + nproj[l])
            guard try integer(head[0], "l") == l else { throw fail("expected the projectors of l=\(l), found l=\(head[0])") }
            ekb.append(Array(head.dropFirst()))
            projectors.append(try table("the l=\(l) projectors", columns: nproj[l]))
        }
        var local: [Double]? = nil
        if lloc <= 4 {
            let head = try numbers("the line 'lloc' of the local potential", count: 1)
            guard try integer(head[0], "lloc") == lloc else { throw fail("expected the local potential (lloc \(lloc)), found \(head[0])") }
            local = try table("the local potential", columns: 1)[0]
        }
        guard let local, lloc > lmax || nproj[lloc] == 0 else {
            throw fail("lloc \(lloc) is not supported (the local potential must be its own table, lloc ≤ 4, with no projectors of that l)")
        }
        for l in 1..<(lmax + 1) where hasSpinOrbit && nprojso[l - 1] > 0 {
            let head = try numbers("the header 'l ekb…' of the l=\(l) spin–orbit projectors", count: 1 + nprojso[l - 1])
            guard try integer(head[0], "l") == l else { throw fail("expected the spin–orbit projectors of l=\(l), found l=\(head[0])") }
            _ = try table("the l=\(l) spin–orbit projectors", columns: nprojso[l - 1])
        }
        coreCharge = fchrg > 0 ? try table("the model core charge", columns: 1)[0].map { $0 / (4 * Double.pi) } : nil
        valenceDensity = extensionSwitch == 1 || extensionSwitch == 3 ? try table("the valence density", columns: 1)[0].map { $0 / (4 * Double.pi) } : nil
        self.ekb = ekb
        self.projectors = projectors
        self.localPotential = local
        self.radialGrid = grid
    }

    /// The engine's model of this file for `element` (whose atomic number must be the file's zatom).
    public func pseudopotential(element: String, name: String, file: String, field: String = "pseudopotentials") throws -> NormConservingPseudopotential {
        if let z = Elements.atomicNumber(element), Double(z) != zatom {
            throw InputError(field, "the file is for Z = \(Int(zatom)), not \(element) (Z = \(z))", file: file)
        }
        var channels: [ProjectorChannel] = []
        var tables: [[[Double]]] = []
        for l in 0...lmax where nproj[l] > 0 {
            let n = nproj[l]
            channels.append(ProjectorChannel(l: l, h: (0..<n).map { a in (0..<n).map { b in a == b ? ekb[l][a] : 0 } }))
            tables.append(projectors[l])
        }
        return NormConservingPseudopotential(element: element, name: name, zion: Int(zion), radialSpacing: radialGrid[1],
                                             localPotential: localPotential, channels: channels, projectors: tables,
                                             coreCharge: coreCharge, valenceDensity: valenceDensity)
    }
}
