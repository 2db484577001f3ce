import Bindings
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Quantum ESPRESSO's Unified Pseudopotential Format, version 2 (`<UPF version="2.0.1">`, an XML
/// document), for norm-conserving potentials as ONCVPSP writes them. Units are Rydberg atomic units in
/// the file; this struct holds them converted to Hartree (energies ÷ 2):
///
/// - `PP_HEADER` attributes: element, z_valence, functional, pseudo_type, is_ultrasoft, is_paw,
///   core_correction, has_so, l_max, mesh_size, number_of_proj.
/// - `PP_MESH`: `PP_R` (r_k, bohr) and `PP_RAB` (dr/dk), any grid (`RadialGrid`).
/// - `PP_LOCAL`: V_loc(r) (Ry → Ha).
/// - `PP_NONLOCAL`: `PP_BETA.i` holds r·β_i(r) (bohr^{-1/2}; attributes angular_momentum and
///   cutoff_radius_index), and `PP_DIJ` the nbeta×nbeta matrix D of V_NL = Σ_ij |β_i⟩ D_ij ⟨β_j| (Ry → Ha;
///   β is unchanged because the operator, not β, carries the energy unit).
/// - `PP_NLCC`: the model core charge ρ_c(r) (electrons/bohr³, no 4π); `PP_RHOATOM`: 4πr²ρ_val(r).
/// - `PP_PSWFC`: the pseudo-wavefunctions, only checked (their lengths and values).
/// - `PP_SPIN_ORB`: `PP_RELBETA.i` with the l (lll) and j (jjj) of each β in fully-relativistic files.
///
/// Fully-relativistic files (has_so) are j-averaged to a scalar-relativistic potential as pw.x does
/// without spin–orbit coupling (`SpinOrbitAverage`). As in pw.x, the projectors are taken as zero
/// beyond the largest cutoff_radius_index (QE's kkbeta). The valence density ρ_val = PP_RHOATOM/(4πr²)
/// takes at r = 0 its value at the next point (0/0 there; the r² weight of every integral makes it
/// immaterial).
///
/// Every malformed or unsupported file — ultrasoft, PAW, UPF v1, XML errors, a missing block, an array
/// whose length is not the mesh's, a value that is not finite, l > 3 — throws one `InputError` naming
/// the file. XML is parsed by Foundation's `XMLParser`.
public struct UPF: Sendable {
    /// The `PP_HEADER` attributes this program uses.
    public struct Header: Sendable, Equatable {
        public let element: String
        public let zValence: Double
        /// The functional as written, e.g. "PBE" or "SLA  PW   NOGX NOGC".
        public let functional: String
        public let pseudoType: String
        public let isUltrasoft: Bool
        public let isPAW: Bool
        public let coreCorrection: Bool
        public let hasSpinOrbit: Bool
        public let lMax: Int
        public let meshSize: Int
        public let numberOfProjectors: Int
    }

    /// One projector as the file gives it.
    public struct Beta: Sendable, Equatable {
        public let l: Int
        /// j of fully-relativistic files (`PP_RELBETA.i`'s jjj), nil otherwise.
        public let j: Double?
        /// 1-based index of the last point of the projector's support (cutoff_radius_index).
        public let cutoffIndex: Int
        /// r·β(r) on the mesh.
        public let values: [Double]
    }

    public let header: Header
    public let radialGrid: RadialGrid
    /// V_loc(r) (Ha).
    public let localPotential: [Double]
    public let betas: [Beta]
    /// D_ij (Ha), nbeta×nbeta.
    public let dij: [[Double]]
    /// ρ_c(r) (electrons/bohr³), nil without core correction.
    public let coreCharge: [Double]?
    /// 4πr²ρ_val(r) (electrons/bohr), nil when the file has none.
    public let atomicRho: [Double]?
    /// Number of pseudo-wavefunctions (`PP_CHI.i`).
    public let wavefunctionCount: Int

    /// Reads `path`; every problem is an `InputError` naming the file.
    public init(contentsOf path: String, field: String = "pseudopotentials") throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(field, "cannot read the UPF file", file: path)
        }
        try self.init(data: data, file: path, field: field)
    }

    public init(data: Data, file: String, field: String = "pseudopotentials") throws {
        func fail(_ message: String, line: Int? = nil) -> InputError { InputError(field, message, file: file, line: line) }
        // UPF v1 is not XML (several top-level elements, no <UPF> root): recognise it before parsing
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        guard let upfTag = head.range(of: "<UPF") else {
            if head.contains("<PP_INFO>") || head.contains("<PP_HEADER>") {
                throw fail("UPF version 1 is not supported (only UPF v2, <UPF version=\"2.0.1\">)")
            }
            throw fail("not a UPF file (no <UPF> element at its start)")
        }
        if let info = head.range(of: "<PP_INFO"), info.lowerBound < upfTag.lowerBound {
            throw fail("UPF version 1 is not supported (only UPF v2, <UPF version=\"2.0.1\">)")
        }

        let reader = UPFXMLReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        if !parser.parse() {
            if let e = reader.error { throw fail(e.message, line: e.line) }
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "unknown reason"
            throw fail("the XML is malformed or truncated (\(reason))", line: parser.lineNumber)
        }
        if let e = reader.error { throw fail(e.message, line: e.line) }
        guard let root = reader.rootAttributes else { throw fail("not a UPF file (no <UPF> element)") }
        guard reader.rootClosed else { throw fail("the XML is malformed or truncated (the file ends before </UPF>)", line: parser.lineNumber) }
        guard let version = root["version"]?.trimmingCharacters(in: .whitespaces) else {
            throw fail("UPF version 1 is not supported (the <UPF> element has no version attribute)")
        }
        guard version.hasPrefix("2.") else { throw fail("UPF version \(version) is not supported (only 2.x)") }

        // header
        guard let h = reader.attributes["PP_HEADER"] else { throw fail("the block PP_HEADER is missing") }
        func attribute(_ name: String) throws -> String {
            guard let v = h[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else {
                throw fail("PP_HEADER has no \(name) attribute")
            }
            return v
        }
        func flag(_ name: String, default value: Bool? = nil) throws -> Bool {
            guard let text = h[name] else {
                if let value { return value }
                throw fail("PP_HEADER has no \(name) attribute")
            }
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "t", "true", ".true.", "1": return true
            case "f", "false", ".false.", "0": return false
            default: throw fail("PP_HEADER \(name)=\"\(text)\" is not a logical value")
            }
        }
        func integer(_ name: String) throws -> Int {
            let text = try attribute(name)
            guard let v = Int(text) else { throw fail("PP_HEADER \(name)=\"\(text)\" is not an integer") }
            return v
        }
        let zText = try attribute("z_valence")
        guard let z = Double(Self.fortranNumber(zText)), z.isFinite, z > 0 else {
            throw fail("PP_HEADER z_valence=\"\(zText)\" is not a positive number")
        }
        let header = Header(element: try attribute("element"), zValence: z, functional: try attribute("functional"),
                            pseudoType: try attribute("pseudo_type"), isUltrasoft: try flag("is_ultrasoft", default: false),
                            isPAW: try flag("is_paw", default: false), coreCorrection: try flag("core_correction", default: false),
                            hasSpinOrbit: try flag("has_so", default: false), lMax: try integer("l_max"),
                            meshSize: try integer("mesh_size"), numberOfProjectors: try integer("number_of_proj"))
        let type = header.pseudoType.uppercased()
        if header.isPAW || type == "PAW" { throw fail("PAW datasets are not supported (norm-conserving only)") }
        if header.isUltrasoft || type == "US" || type == "USPP" { throw fail("ultrasoft pseudopotentials are not supported (norm-conserving only)") }
        guard type == "NC" || type == "SL" else { throw fail("pseudo_type \"\(header.pseudoType)\" is not supported (norm-conserving NC only)") }
        guard (0...3).contains(header.lMax) else { throw fail("l_max \(header.lMax) is not supported (0…3)") }
        guard header.meshSize >= 4 else { throw fail("mesh_size \(header.meshSize) is too small for a radial grid") }
        guard header.numberOfProjectors >= 0 else { throw fail("number_of_proj \(header.numberOfProjectors) is negative") }
        let mesh = header.meshSize

        func array(_ name: String, count: Int? = nil) throws -> [Double] {
            guard let v = reader.arrays[name] else { throw fail("the block \(name) is missing") }
            let n = count ?? mesh
            guard v.count == n else {
                throw fail("\(name) has \(v.count) values, expected \(n)" + (count == nil ? " (mesh_size)" : ""))
            }
            return v
        }
        for block in ["PP_MESH", "PP_LOCAL", "PP_NONLOCAL"] where reader.attributes[block] == nil {
            throw fail("the block \(block) is missing")
        }
        radialGrid = try RadialGrid(r: try array("PP_R"), rab: try array("PP_RAB"), field: field, file: file)
        localPotential = try array("PP_LOCAL").map { $0 / 2 }

        var betas: [Beta] = []
        for i in 1...max(header.numberOfProjectors, 1) where header.numberOfProjectors > 0 {
            let name = "PP_BETA.\(i)"
            let values = try array(name)
            let a = reader.attributes[name] ?? [:]
            guard let lText = a["angular_momentum"], let l = Int(lText.trimmingCharacters(in: .whitespaces)) else {
                throw fail("\(name) has no integer angular_momentum attribute")
            }
            guard (0...3).contains(l) else { throw fail("\(name) has l = \(l); only l ≤ 3 is supported") }
            let cutoff = a["cutoff_radius_index"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? mesh
            guard (1...mesh).contains(cutoff) else { throw fail("\(name) cutoff_radius_index \(cutoff) is outside the mesh (1…\(mesh))") }
            var j: Double? = nil
            if header.hasSpinOrbit {
                let rel = "PP_RELBETA.\(i)"
                guard let ra = reader.attributes[rel] else {
                    throw fail("has_so is true but \(rel) (in PP_SPIN_ORB) is missing")
                }
                guard let lll = ra["lll"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), lll == l,
                      let jjj = ra["jjj"].flatMap({ Double(Self.fortranNumber($0)) }), abs(abs(jjj - Double(l)) - 0.5) < 1e-7 else {
                    throw fail("\(rel) must give lll = \(l) (the l of \(name)) and jjj = l ± 1/2")
                }
                j = jjj
            }
            betas.append(Beta(l: l, j: j, cutoffIndex: cutoff, values: values))
        }
        if let extra = reader.arrays.keys.first(where: { $0.hasPrefix("PP_BETA.") && Int($0.dropFirst(8)).map { $0 > header.numberOfProjectors } ?? true }) {
            throw fail("\(extra) is beyond number_of_proj = \(header.numberOfProjectors)")
        }
        self.betas = betas
        let nb = betas.count
        if nb > 0 {
            let d = try array("PP_DIJ", count: nb * nb)
            // Fortran order: D(i, j) is value i + j·nbeta
            dij = (0..<nb).map { i in (0..<nb).map { j in d[i + j * nb] / 2 } }
            for i in 0..<nb {
                for j in 0..<nb where abs(dij[i][j] - dij[j][i]) > 1e-10 * max(1, abs(dij[i][j])) {
                    throw fail("PP_DIJ is not symmetric (D(\(i + 1),\(j + 1)) ≠ D(\(j + 1),\(i + 1)))")
                }
                for j in 0..<nb where betas[i].l != betas[j].l && dij[i][j] != 0 {
                    throw fail("PP_DIJ couples projectors \(i + 1) and \(j + 1) of different l")
                }
            }
        } else {
            dij = []
        }
        coreCharge = header.coreCorrection ? try array("PP_NLCC") : nil
        atomicRho = reader.arrays["PP_RHOATOM"] == nil ? nil : try array("PP_RHOATOM")
        let chis = reader.arrays.keys.filter { $0.hasPrefix("PP_CHI.") }
        for name in chis { _ = try array(name) }
        wavefunctionCount = chis.count
        self.header = header
    }

    /// The functional class, "PBE" or "LDA", of the header's functional, nil when it is neither:
    /// QE's short names PBE, LDA and PZ, and the four-part names "SLA PW PBX PBC" (or "SLA PW PBE PBE")
    /// for PBE and "SLA PW|PZ [NOGX NOGC]" for LDA (separated by white space, '-' or '+').
    public var functionalClass: String? { Self.functionalClass(header.functional) }

    public static func functionalClass(_ functional: String) -> String? {
        // any white space (some ONCVPSP files pad with no-break spaces), '-' or '+'
        let parts = functional.uppercased().split(whereSeparator: { $0.isWhitespace || $0 == "-" || $0 == "+" }).map(String.init)
        switch parts {
        case ["PBE"]: return "PBE"
        case ["LDA"], ["PZ"]: return "LDA"
        case ["SLA", "PW", "PBX", "PBC"], ["SLA", "PW", "PBE", "PBE"]: return "PBE"
        case ["SLA", "PW"], ["SLA", "PZ"], ["SLA", "PW", "NOGX", "NOGC"], ["SLA", "PZ", "NOGX", "NOGC"]: return "LDA"
        default: return nil
        }
    }

    /// The engine's model of this file for `element` (which must be the file's element).
    public func pseudopotential(element: String, name: String, file: String, field: String = "pseudopotentials") throws -> NormConservingPseudopotential {
        guard header.element.caseInsensitiveCompare(element) == .orderedSame else {
            throw InputError(field, "the file is for \(header.element), not \(element)", file: file)
        }
        guard header.zValence == header.zValence.rounded() else {
            throw InputError(field, "z_valence \(header.zValence) is not a whole number", file: file)
        }
        // QE integrates every β up to the largest cutoff_radius_index: beyond it β is taken as zero
        let support = betas.map(\.cutoffIndex).max() ?? 0
        let cut = betas.map { b in b.values.enumerated().map { $0.offset < support ? $0.element : 0 } }
        let sr = header.hasSpinOrbit
            ? try SpinOrbitAverage(l: betas.map(\.l), j: betas.map { $0.j ?? 0 }, beta: cut, d: dij, field: field, file: file)
            : SpinOrbitAverage(scalarRelativistic: betas.map(\.l), beta: cut, d: dij)
        // group by l; the coupling matrix of a channel is the D block of its projectors
        var channels: [ProjectorChannel] = []
        var tables: [[[Double]]] = []
        for l in 0...3 {
            let members = sr.l.indices.filter { sr.l[$0] == l }
            guard !members.isEmpty else { continue }
            channels.append(ProjectorChannel(l: l, h: members.map { a in members.map { b in sr.d[a][b] } }))
            tables.append(members.map { sr.beta[$0] })
        }
        let r = radialGrid.r
        let valence = atomicRho.map { rho -> [Double] in
            var v = rho.indices.map { r[$0] > 0 ? rho[$0] / (4 * Double.pi * r[$0] * r[$0]) : 0 }
            if r[0] == 0 { v[0] = v[1] }   // 4πr²ρ/(4πr²) is 0/0 at r = 0; its r² weight makes the value immaterial
            return v
        }
        return NormConservingPseudopotential(element: element, name: name, zion: Int(header.zValence), radialGrid: radialGrid,
                                             localPotential: localPotential, channels: channels, projectors: tables,
                                             coreCharge: coreCharge, valenceDensity: valence)
    }

    /// Fortran exponents ("1.0D-3") as Swift reads them.
    static func fortranNumber(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespaces)
        return t.contains(where: { $0 == "D" || $0 == "d" }) ? t.replacingOccurrences(of: "D", with: "E").replacingOccurrences(of: "d", with: "e") : t
    }
}
