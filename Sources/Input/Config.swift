import Bindings
import Foundation
import PlaneWave

/// The configuration of one calculation ("point"), read from YAML:
///
/// ```yaml
/// name: gaas-pbe
/// structure:                                     # see StructureSpec
///   lattice: {bravais: fcc, a: 5.653 Å}
///   atoms:
///     - {species: Ga, position: [0, 0, 0]}
///     - {species: As, position: [0.25, 0.25, 0.25]}
/// pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}   # or files: {Ga: Ga.psp8, As: As.psp8}, or directory: PATH
/// functional: PBE                                # LDA (= Teter93), PW92, PBE
/// smearing: {type: fermi-dirac, width: 0.01 Ha}  # or: none
/// spin: {polarized: true, moments: {Fe: 3.0}}    # optional: collinear spin, starting moments in μB
///                                                # also total_magnetization: 2.0 (μB per cell, fixed), sphere_radii: {Fe: 2.0 bohr}
/// basis: {ecut: 25 Ha, kmesh: 4x4x4, kshift: [0, 0, 0], fft_grid: null, xc_grid: refined, bands: auto, symmetry: true}
///                                                # kmesh also {spacing: 0.15 1/Å}: N_i = max(1, ⌈|b_i|/Δk⌉) (KSpacing)
/// scf: {energy_tolerance: 1e-9 Ha, density_tolerance: 1e-6, max_iterations: 100,   # tolerances also auto (SCFConvergence)
///       mixing: {damping: 0.7, history: 8, kerker: 0.8, dielectric_constant: 10}, eigensolver: lobpcg}
///                                                # real_wavefunctions_at_gamma: true (default): LOBPCG at Γ on real orbitals
///                                                # density_grid: auto (default: slabs from 48³ points), slabs or whole:
///                                                # with several ranks, the mixing's grids in slabs over them (FFTW-MPI)
///                                                # dielectric_constant: ε_r of the screening model; omitted: ∞ (Kerker)
///                                                # mixing.preconditioner: none, kerker, dielectric (needs ε_r) or hybrid
///                                                # (the model confined to the material, for slabs; MixingModel), with
///                                                # localization_density: ρ_c in electrons/bohr³ (default 1e-3);
///                                                # omitted: kerker, dielectric when ε_r is given, none when kerker is 0
///                                                # magnetization_factor: spin-polarised, m's residual × this (default 0.5)
/// ```
///
/// `pseudopotentials` (see `PseudopotentialSelection`): `files` names a file per element (ABINIT
/// psp8; paths relative to the config's directory, or absolute); `directory` is a directory holding
/// `<Element>.psp8` or `<Element>.upf`/`.UPF` (exactly one per element) for the elements without
/// a file; `family` (GTH-PBE, GTH-PADE, with optional `valence`) covers the elements left over.
/// So `files` wins over `directory`, and both over `family`. Each file's functional must match
/// `functional`; `allow_functional_mismatch: true` makes a mismatch a warning (kept in the physics
/// identity).
///
/// `spin` (optional; default spin-unpolarised): `polarized: true` makes the calculation collinear
/// spin-polarised; `moments` gives each atom's starting magnetic moment (μB, positive along spin
/// up), per species (`{Fe: 3.0, O: 0}`, unnamed species 0) or as a list of one per atom in the
/// structure's order (`[2.5, -2.5]`); default 0 for every atom. The moments also lower the symmetry
/// used to the operations that keep them (`Model.symmetryTypes`). A smearing is required.
/// `total_magnetization` (μB per cell, optional) fixes the moment: each spin channel gets its own
/// Fermi level (`Model.fixedMagnetization`, ABINIT's `spinmagntarget`). `sphere_radii` (a length per
/// species, optional) sets the spheres the atomic moments are integrated in (`MomentSpheres`;
/// default half the distance to the nearest neighbour).
///
/// `basis.xc_grid`: `refined` (default) evaluates exchange–correlation on a grid made finer until
/// E_xc of the converged density changes by less than 2e-7 Ha per atom (`XCGridRefinement`);
/// `density` keeps it on the density grid, as ABINIT and Quantum ESPRESSO do (for comparisons).
///
/// Every failure is a `InputError` naming the YAML path (and file and line).
///
/// Extending the schema: a config with more top-level sections (e.g. `stages`, `resources`,
/// `output` for scans) reads the same document, checks the top-level keys against
/// `Config.sectionKeys` plus its own, builds the point with `init(document:root:)` and reads its
/// sections from the same `ConfigMapping`:
/// ```swift
/// let doc = try ConfigDocument(contentsOf: path)
/// let root = try Config.root(of: doc, allowing: Config.sectionKeys + ["stages", "resources", "output"])
/// let base = try Config(document: doc, root: root)
/// let stages = try root["stages"].map { try Stages.read($0) }   // its own keys via node.mapping(allowed:)
/// ```
public struct Config: Sendable {
    /// Top-level keys of a one-point config.
    public static let sectionKeys = ["name", "structure", "pseudopotentials", "functional", "smearing", "spin", "basis", "scf"]
    public static let spinKeys = ["polarized", "moments", "total_magnetization", "sphere_radii"]
    public static let pseudopotentialKeys = PseudopotentialSelection.keys
    public static let smearingKeys = ["type", "width"]
    public static let basisKeys = ["ecut", "kmesh", "kshift", "fft_grid", "xc_grid", "bands", "symmetry"]
    public static let scfKeys = ["energy_tolerance", "density_tolerance", "max_iterations", "mixing", "eigensolver",
                                  "real_wavefunctions_at_gamma", "eigensolver_memory", "density_grid"]
    public static let mixingKeys = ["damping", "history", "kerker", "dielectric_constant", "preconditioner", "localization_density",
                                     "magnetization_factor"]
    /// Smearing type names accepted in `smearing.type`.
    public static let smearingTypes = "none, fermi-dirac, gaussian, marzari-vanderbilt (alias cold), methfessel-paxton"

    public private(set) var name: String
    /// The config file, if read from one.
    public private(set) var file: String?
    public private(set) var structure: StructureSpec
    /// Pseudopotential family (canonical: GTH-PBE or GTH-PADE; "psp8" when every element has a
    /// file) and per-element valences (nil = family default).
    public private(set) var pseudopotentialFamily: String
    public private(set) var valences: [String: Int]
    /// Elements whose pseudopotential is read from a file (`pseudopotentials.files` or
    /// `pseudopotentials.directory`), read once.
    public private(set) var pseudopotentialFiles: [String: PseudopotentialFile]
    public private(set) var functional: Functional
    public private(set) var smearing: Smearing
    /// The starting magnetic moment of each atom (μB, crystal order) of a spin-polarised
    /// calculation; nil when spin-unpolarised (`spin` absent or `polarized: false`).
    public var magneticMoments: [Double]? { model.magneticMoments }
    /// `spin.moments` as given (nil: spin-unpolarised).
    public private(set) var spinMoments: SpinMoments?
    /// `spin.total_magnetization` (μB per cell; nil: the moment relaxes).
    public private(set) var spinTotalMagnetization: Double?
    /// `spin.sphere_radii` (bohr per species; nil: `MomentSpheres.defaultRadii`).
    public private(set) var spinSphereRadii: [String: Double]?
    public private(set) var discretization: Discretization
    /// The k-point spacing (bohr⁻¹) when `basis.kmesh` was given as `{spacing: 0.15 1/Å}`: the mesh in
    /// `discretization` is `KSpacing.mesh` of it for this config's cell (and is recomputed by
    /// `applying` when `--a` changes the cell and no mesh is given).
    public private(set) var kmeshSpacing: Quantity?
    public private(set) var scf: SCFParameters
    /// Non-fatal remarks (e.g. a pseudopotential family fitted for another functional).
    public private(set) var warnings: [String]

    /// The validated engine inputs.
    public private(set) var crystal: Crystal
    public private(set) var model: Model

    // MARK: loading

    /// Reads a config file (relative paths inside resolve against its directory).
    public static func load(path: String) throws -> Config {
        try withConfigErrors(nil) {
            let doc = try ConfigDocument(contentsOf: path)
            return try Config(document: doc, root: root(of: doc, allowing: sectionKeys))
        }
    }

    /// Parses config text; `file` names it in messages, `baseDirectory` resolves relative paths
    /// (default: the file's directory, else the current directory).
    public static func parse(yaml: String, file: String? = nil, baseDirectory: URL? = nil) throws -> Config {
        try withConfigErrors(nil) {
            let doc = try ConfigDocument(yaml: yaml, file: file, baseDirectory: baseDirectory)
            return try Config(document: doc, root: root(of: doc, allowing: sectionKeys))
        }
    }

    /// The top-level mapping of a document, with its keys checked against `allowing`.
    public static func root(of document: ConfigDocument, allowing keys: [String]) throws -> ConfigMapping {
        try withConfigErrors(document) {
            try document.root().mapping(allowed: keys, expected: "a mapping of sections (\(keys.joined(separator: ", ")))")
        }
    }

    /// Builds the point from the sections of `root` (whose keys the caller has checked; keys this
    /// type does not know are ignored here).
    public init(document: ConfigDocument, root: ConfigMapping) throws {
        self = try Config.withConfigErrors(document) { try Config.read(document: document, root: root) }
    }

    private static func read(document: ConfigDocument, root: ConfigMapping) throws -> Config {
        var warnings: [String] = []

        // name
        let name: String
        if let n = root["name"] {
            name = try n.string(expected: "a name")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-+".contains($0) }) else {
                throw n.error("'\(name)' must be a non-empty name of letters, digits, '.', '_', '-', '+' (it names output directories)")
            }
        } else if let f = document.file {
            name = URL(fileURLWithPath: f).deletingPathExtension().lastPathComponent
        } else {
            name = "config"
        }

        // structure
        let structure = try StructureSpec.read(try root.required("structure", "lattice and atoms, or poscar"))

        // functional, then the pseudopotentials (whose files must match it)
        let fNode = try root.required("functional", "LDA, PW92 or PBE")
        let fName = try fNode.string(expected: "a functional name")
        guard let functional = Functional.named(fName) else {
            throw fNode.error("'\(fName)' is not one of LDA (= Teter93), PW92, PBE")
        }
        let ppNode = try root.required("pseudopotentials", "e.g. {family: GTH-PBE, valence: {Ga: 3, As: 5}}, {files: {Ga: Ga.psp8, As: As.psp8}} or {directory: PATH}")
        let selection = try PseudopotentialSelection.read(ppNode, structure: structure, functional: functional)
        warnings += selection.warnings
        let family = selection.family, valences = selection.valences, files = selection.files

        // smearing
        let smearing = try root["smearing"].map { try readSmearing($0, warnings: &warnings) } ?? .none

        // spin
        let moments = try root["spin"].flatMap { try readSpin($0, structure: structure, warnings: &warnings) }
        let (spinTotal, sphereRadii) = try root["spin"].map { try readSpinAnalysis($0, structure: structure, polarized: moments != nil) } ?? (nil, nil)

        // basis
        let basisNode = try root.required("basis", "at least ecut and kmesh")
        let basis = try basisNode.mapping(allowed: basisKeys)
        let ecutNode = try basis.required("ecut", "plane-wave cutoff, e.g. 25 Ha")
        let ecut = try ecutNode.quantity(.energy, defaultUnit: "Ha")
        guard ecut.value > 0 else { throw ecutNode.error("\(ecut.text) must be positive") }
        guard ecut.value <= 1000 else { throw ecutNode.error("\(ecut.text) is implausibly large (maximum 1000 Ha); check the unit") }
        let kmeshNode = try basis.required("kmesh", "e.g. 4x4x4 or {spacing: 0.15 1/Å}")
        var kmesh = [1, 1, 1]
        var kmeshSpacing: Quantity? = nil
        if case .mapping = kmeshNode.node {
            let km = try kmeshNode.mapping(allowed: ["spacing"], expected: "a mesh (4x4x4) or {spacing: 0.15 1/Å}")
            let sNode = try km.required("spacing", "a k-point spacing such as 0.15 1/Å")
            let text = try sNode.scalar(expected: "a k-point spacing with a unit (\(Quantity.allowedUnits(.inverseLength)))")
            kmeshSpacing = try sNode.located { try KSpacing.parse(text, field: sNode.path) }
        } else {
            kmesh = try kmeshNode.integerTriple(minimum: 1, maximum: 200)
        }
        var kshift = [0, 0, 0]
        if let s = basis["kshift"] { kshift = try readKShift(s) }
        let fftGrid = try basis["fft_grid"].map { try $0.integerTriple(minimum: 1, maximum: 4096) }
        var bands: Int? = nil
        if let b = basis["bands"], try b.scalar(expected: "a number of bands or auto").lowercased() != "auto" {
            let n = try b.integer(expected: "a number of bands or auto")
            guard n >= 1 else { throw b.error("\(n) must be positive (or auto)") }
            bands = n
        }
        let useSymmetry = try basis["symmetry"]?.bool() ?? true
        var xcOnDensityGrid = false
        if let x = basis["xc_grid"] {
            switch try x.string(expected: "refined or density").lowercased() {
            case "refined": xcOnDensityGrid = false
            case "density": xcOnDensityGrid = true
            case let other: throw x.error("'\(other)' is not refined (exchange–correlation on a grid refined until E_xc changes by < 2e-7 Ha per atom) or density (on the density grid, as ABINIT and Quantum ESPRESSO do)")
            }
        }

        // scf
        var scf = SCFParameters()
        if let scfNode = root["scf"] {
            let sm = try scfNode.mapping(allowed: scfKeys)
            // auto: the per-atom and per-electron defaults of `SCFConvergence`
            if let e = sm["energy_tolerance"], try e.scalar(expected: "an energy or auto").lowercased() != "auto" {
                let q = try e.quantity(.energy, defaultUnit: "Ha", allowPerAtom: true)
                guard q.value > 0 else { throw e.error("\(q.text) must be positive") }
                scf.energyTolerance = q.perAtom ? q.value * Double(structure.atoms.count) : q.value
            }
            if let d = sm["density_tolerance"], try d.scalar(expected: "a number of electrons or auto").lowercased() != "auto" {
                let value = try d.number(expected: "a number of electrons or auto")
                guard value > 0 else { throw d.error("\(value) must be positive") }
                scf.densityTolerance = value
            }
            if let n = sm["max_iterations"] {
                scf.maxIterations = try n.integer()
                guard scf.maxIterations >= 1 else { throw n.error("\(scf.maxIterations) must be at least 1") }
            }
            if let mixNode = sm["mixing"] {
                let mm = try mixNode.mapping(allowed: mixingKeys)
                if let d = mm["damping"] { scf.mixingDamping = try d.number() }
                if let h = mm["history"] { scf.mixingHistory = try h.integer() }
                if let k = mm["kerker"] { scf.kerkerWavevector = try k.quantity(.inverseLength, defaultUnit: "1/bohr").value }
                if let e = mm["dielectric_constant"] { scf.mixingDielectricConstant = try e.number(expected: "a dielectric constant ≥ 1") }
                if let node = mm["preconditioner"] {
                    let name = try node.string(expected: "a preconditioner name")
                    guard let model = MixingModel(rawValue: name.lowercased()) else {
                        throw node.error("'\(name)' is not one of \(MixingModel.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    scf.mixingModel = model
                }
                if let d = mm["localization_density"] {
                    let value = try d.number(expected: "a density in electrons/bohr³")
                    guard value > 0, value.isFinite else { throw d.error("\(value) must be a positive density in electrons/bohr³") }
                    scf.mixingLocalizationDensity = value
                }
                if let s = mm["magnetization_factor"] { scf.magnetizationMixingFactor = try s.number(expected: "a positive factor") }
            }
            if let e = sm["eigensolver"] {
                let s = try e.string(expected: "an eigensolver name")
                guard let kind = EigensolverKind(rawValue: s.lowercased()) else {
                    throw e.error("'\(s)' is not one of \(EigensolverKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scf.eigensolver = kind
            }
            if let r = sm["real_wavefunctions_at_gamma"] { scf.realWavefunctionsAtGamma = try r.bool() }
            if let m = sm["eigensolver_memory"] {
                let text = try m.string(expected: "a size such as 64 MiB")
                guard let size = try? ByteCount(parsing: text), size.bytes >= 64 << 10, size.bytes <= Int64(Int32.max) * 64 else {
                    throw m.error("'\(text)' is not a size from 64 KiB up (examples: 48 MiB, 1 GiB)")
                }
                scf.eigensolverMemory = Int(size.bytes)
            }
            if let g = sm["density_grid"] {
                let name = try g.string(expected: "a density grid layout")
                guard let layout = DensityGridLayout(rawValue: name.lowercased()) else {
                    throw g.error("'\(name)' is not one of \(DensityGridLayout.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scf.densityGrid = layout
            }
            scf = try scf.validated()
        }
        if xcOnDensityGrid { scf.xcGridTolerance = nil }

        let (crystal, model) = try build(structure: structure, family: family ?? "psp8", valences: valences, files: files,
                                         functional: functional, smearing: smearing, moments: moments,
                                         totalMagnetization: spinTotal, sphereRadii: sphereRadii, bands: bands,
                                         document: document)
        if let s = kmeshSpacing {
            kmesh = try KSpacing.checkedMesh(lattice: crystal.lattice, spacing: s, field: "basis.kmesh.spacing")
        }
        let discretization: Discretization
        do {
            discretization = try Discretization(ecut: ecut.value, kmesh: kmesh, kshift: kshift, fftGrid: fftGrid,
                                                bands: bands, useSymmetry: useSymmetry)
        } catch let e as InputError {
            throw document.error(from: e, pathPrefix: "basis")
        }

        var c = Config(name: name, file: document.file, structure: structure, pseudopotentialFamily: family ?? "psp8",
                       valences: valences, files: files, functional: functional, smearing: smearing, discretization: discretization,
                       scf: scf, warnings: warnings, crystal: crystal, model: model)
        c.kmeshSpacing = kmeshSpacing
        c.spinMoments = moments
        c.spinTotalMagnetization = spinTotal
        c.spinSphereRadii = sphereRadii
        return c
    }

    private init(name: String, file: String?, structure: StructureSpec, pseudopotentialFamily: String, valences: [String: Int],
                 files: [String: PseudopotentialFile],
                 functional: Functional, smearing: Smearing, discretization: Discretization, scf: SCFParameters,
                 warnings: [String], crystal: Crystal, model: Model) {
        self.name = name; self.file = file; self.structure = structure
        self.pseudopotentialFamily = pseudopotentialFamily; self.valences = valences
        self.pseudopotentialFiles = files
        self.functional = functional; self.smearing = smearing; self.discretization = discretization
        self.scf = scf; self.warnings = warnings; self.crystal = crystal; self.model = model
    }

    /// Validates the structure and assembles the model (pseudopotentials from `files`, the others
    /// from the shipped library).
    private static func build(structure: StructureSpec, family: String, valences: [String: Int], files: [String: PseudopotentialFile],
                              functional: Functional, smearing: Smearing, moments: SpinMoments?,
                              totalMagnetization: Double? = nil, sphereRadii: [String: Double]? = nil, bands: Int?,
                              document: ConfigDocument?) throws -> (Crystal, Model) {
        let crystal = try structure.crystal()
        var pps: [String: any Pseudopotential] = [:]
        for s in crystal.species {
            if let f = files[s] { pps[s] = f.potential; continue }
            guard family != "psp8" else { throw InputError("pseudopotentials.files", "no file for \(s) (give one per element, or a GTH pseudopotentials.family for the rest)") }
            let field = valences[s] != nil ? "pseudopotentials.valence.\(s)" : "pseudopotentials.family"
            pps[s] = try PseudopotentialLibrary.shared.lookup(element: s, family: family, valence: valences[s], field: field)
        }
        let model = try Model(crystal: crystal, pseudopotentials: pps, functional: functional, smearing: smearing,
                              magneticMoments: try moments?.moments(of: crystal), fixedMagnetization: totalMagnetization,
                              momentSphereRadii: sphereRadii.map { r in crystal.atoms.map { r[$0.species] } })
        if let b = bands, 2 * b < model.electronCount {
            throw InputError("basis.bands", "\(b) bands cannot hold \(model.electronCount) electrons (need at least \((model.electronCount + 1) / 2))")
        }
        return (crystal, model)
    }

    // MARK: section readers

    static func readValence(_ node: ConfigNode, family: String) throws -> Int {
        let text = try node.string(expected: "a valence such as 3 or GTH-PBE-q3")
        if let v = Int(text) {
            guard v >= 1 else { throw node.error("\(v) must be a positive valence charge") }
            return v
        }
        if text.first == "q" || text.first == "Q", let v = Int(text.dropFirst()), v >= 1 { return v }
        let spec: PseudopotentialSpec
        do { spec = try PseudopotentialSpec(parsing: text, field: node.path) } catch {
            throw node.error("'\(text)' is not a valence (e.g. 3, q3 or \(family)-q3)")
        }
        guard spec.family == family else {
            throw node.error("'\(text)' is not in the family \(family) given in pseudopotentials.family")
        }
        guard let v = spec.valence else { throw node.error("'\(text)' gives no valence (e.g. \(family)-q3)") }
        return v
    }

    static func readSmearing(_ node: ConfigNode, warnings: inout [String]) throws -> Smearing {
        if case .scalar = node.node {
            let t = try node.string()
            guard t.lowercased() == "none" else {
                throw node.error("'\(t)': give none or a mapping {type: …, width: …} (types: \(smearingTypes))")
            }
            return .none
        }
        let m = try node.mapping(allowed: smearingKeys, expected: "none or a mapping {type: fermi-dirac, width: 0.01 Ha}")
        let typeNode = try m.required("type", smearingTypes)
        let type = try typeNode.string(expected: "a smearing type").lowercased()
        let make: (Double) -> Smearing
        switch type {
        case "none", "fixed": make = { _ in .none }
        case "fermi-dirac", "fermi_dirac", "fermidirac", "fd": make = { .fermiDirac($0) }
        case "gaussian", "gauss": make = { .gaussian($0) }
        case "marzari-vanderbilt", "marzari_vanderbilt", "cold", "mv": make = { .marzariVanderbilt($0) }
        case "methfessel-paxton", "methfessel_paxton", "mp": make = { .methfesselPaxton($0) }
        default: throw typeNode.error("'\(type)' is not one of \(smearingTypes)")
        }
        if make(1) == .none {
            if let w = m["width"] { warnings.append("\(w.path): ignored with smearing type none") }
            return .none
        }
        let wNode = try m.required("width", "e.g. 0.01 Ha")
        let w = try wNode.quantity(.energy, defaultUnit: "Ha")
        guard w.value > 0 else { throw wNode.error("\(w.text) must be positive for \(type) smearing (use type: none for fixed occupations)") }
        guard w.value < 1 else { throw wNode.error("\(w.text) is implausibly large (maximum 1 Ha); check the unit") }
        return make(w.value)
    }

    /// The starting moments of `spin.moments`: per species, or one per atom of the crystal.
    public enum SpinMoments: Sendable, Equatable {
        case perSpecies([String: Double])
        case perAtom([Double])

        /// The moment of each of `crystal`'s atoms (μB).
        func moments(of crystal: Crystal) throws -> [Double] {
            switch self {
            case .perSpecies(let table): return crystal.atoms.map { table[$0.species] ?? 0 }
            case .perAtom(let list):
                guard list.count == crystal.atoms.count else {
                    throw InputError("spin.moments", "\(list.count) moments for the \(crystal.atoms.count) atoms of the cell: give one per atom, or a mapping per species ({Fe: 3.0})")
                }
                return list
            }
        }
    }

    /// `spin`: the starting moments when `polarized` is true, else nil.
    static func readSpin(_ node: ConfigNode, structure: StructureSpec, warnings: inout [String]) throws -> SpinMoments? {
        let m = try node.mapping(allowed: spinKeys, expected: "a mapping {polarized: true, moments: {Fe: 3.0}}")
        let pNode = try m.required("polarized", "true or false")
        guard try pNode.bool() else {
            if let mo = m["moments"] { warnings.append("\(mo.path): ignored with polarized: false") }
            return nil
        }
        let species = structure.atoms.map(\.species)
        guard let mNode = m["moments"] else {
            if m["total_magnetization"] != nil { return .perSpecies([:]) }
            warnings.append("\(node.path).moments: not given; every atom starts with 0 μB, and a state without a moment stays so")
            return .perSpecies([:])
        }
        func moment(_ n: ConfigNode) throws -> Double {
            let v = try n.number(expected: "a magnetic moment in μB")
            guard v.isFinite else { throw n.error("\(v) is not a finite moment (μB)") }
            return v
        }
        if case .sequence = mNode.node {
            let items = try mNode.sequence()
            guard items.count == species.count else {
                throw mNode.error("\(items.count) moments for \(species.count) atoms: give one per atom in the structure's order, or a mapping per species ({Fe: 3.0})")
            }
            return .perAtom(try items.map(moment))
        }
        let table = try mNode.mapping(expected: "a moment (μB) per species, e.g. {Fe: 3.0}, or a list with one per atom")
        var bySpecies: [String: Double] = [:]
        for key in table.keys {
            guard species.contains(key) else {
                throw table[key]!.error("'\(key)' is not a species of the structure (\(Array(Set(species)).sorted().joined(separator: ", ")))")
            }
            bySpecies[key] = try moment(table[key]!)
        }
        return .perSpecies(bySpecies)
    }

    /// `spin.total_magnetization` (a finite number, μB per cell) and `spin.sphere_radii` (a positive
    /// length per species of the structure), each only with `polarized: true`.
    static func readSpinAnalysis(_ node: ConfigNode, structure: StructureSpec, polarized: Bool) throws -> (Double?, [String: Double]?) {
        let m = try node.mapping(allowed: spinKeys, expected: "a mapping {polarized: true, moments: {Fe: 3.0}}")
        var total: Double? = nil
        var radii: [String: Double]? = nil
        if let t = m["total_magnetization"] {
            guard polarized else { throw t.error("a fixed magnetisation needs polarized: true") }
            let v = try t.number(expected: "a total magnetisation in μB per cell, e.g. 2.0")
            guard v.isFinite else { throw t.error("\(v) is not a finite magnetisation (μB per cell)") }
            total = v
        }
        if let r = m["sphere_radii"] {
            guard polarized else { throw r.error("sphere radii for the atomic moments need polarized: true") }
            let species = Set(structure.atoms.map(\.species))
            let table = try r.mapping(expected: "a radius per species, e.g. {Fe: 2.0 bohr}")
            var out: [String: Double] = [:]
            for key in table.keys {
                let n = table[key]!
                guard species.contains(key) else {
                    throw n.error("'\(key)' is not a species of the structure (\(species.sorted().joined(separator: ", ")))")
                }
                let q = try n.quantity(.length, defaultUnit: "bohr")
                guard q.value > 0, q.value < 20 else { throw n.error("\(q.text) is not a sphere radius in (0, 20) bohr") }
                out[key] = q.value
            }
            radii = out
        }
        return (total, radii)
    }

    /// `kshift`: a list of three values (or one, for all directions), each 0 (Γ-centred) or 0.5 (half a mesh step).
    static func readKShift(_ node: ConfigNode) throws -> [Int] {
        let items: [ConfigNode]
        if case .sequence = node.node { items = try node.sequence() } else { items = [node] }
        guard items.count == 3 || items.count == 1 else {
            throw node.error("expected three values (e.g. [0, 0, 0] or [0.5, 0.5, 0.5]), got \(items.count)")
        }
        let shifts = try items.map { item -> Int in
            let v = try item.number(expected: "0 or 0.5")
            switch v {
            case 0: return 0
            case 0.5: return 1
            default: throw item.error("\(shortNumber(v)) must be 0 (Γ-centred) or 0.5 (half a mesh step)")
            }
        }
        return shifts.count == 1 ? [shifts[0], shifts[0], shifts[0]] : shifts
    }

    // MARK: overrides

    /// Applies command-line overrides (texts with units) and re-validates.
    public func applying(_ overrides: ConfigOverrides) throws -> Config {
        try Self.withConfigErrors(nil) {
            var c = self
            if let text = overrides.ecut {
                let field = "basis.ecut"
                let q = try Quantity.parse(text, .energy, field: field, defaultUnit: "Ha")
                guard q.value > 0 else { throw InputError(field, "\(q.text) must be positive (override)") }
                guard q.value <= 1000 else { throw InputError(field, "\(q.text) is implausibly large (maximum 1000 Ha; override)") }
                c.discretization.ecut = q.value
            }
            if let text = overrides.kmesh {
                c.discretization.kmesh = try IntegerTriple.parse(text, field: "basis.kmesh", minimum: 1, maximum: 200)
                c.kmeshSpacing = nil
            }
            if let text = overrides.a {
                let field = c.structure.latticeConstantPath
                let q = try Quantity.parse(text, .length, field: field, defaultUnit: nil)
                c.structure = try c.structure.rescaled(latticeConstant: q.value, field: field, text: q.text)
            }
            (c.crystal, c.model) = try Self.build(structure: c.structure, family: c.pseudopotentialFamily, valences: c.valences,
                                                  files: c.pseudopotentialFiles,
                                                  functional: c.functional, smearing: c.smearing, moments: c.spinMoments,
                                                  totalMagnetization: c.spinTotalMagnetization, sphereRadii: c.spinSphereRadii,
                                                  bands: c.discretization.bands, document: nil)
            if let s = c.kmeshSpacing {
                // the spacing's mesh for the (possibly rescaled) cell
                c.discretization.kmesh = try KSpacing.checkedMesh(lattice: c.crystal.lattice, spacing: s, field: "basis.kmesh.spacing")
            }
            return c
        }
    }

    // MARK: errors

    /// Runs `body` so that only `InputError`s escape, located in `document` (engine errors name
    /// YAML paths as their fields); other errors wrapped.
    static func withConfigErrors<T>(_ document: ConfigDocument?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as InputError {
            throw document?.locate(e) ?? e
        } catch {
            throw InputError("", "\(error)".replacingNewlines(), file: document?.file)
        }
    }

    // MARK: description

    /// How an element's pseudopotential is named in reports and exports: the GTH table's name
    /// ("GTH-PBE-q3") or the file's name and checksum ("Si.psp8 sha256:…").
    public func pseudopotentialLabel(_ element: String) -> String {
        pseudopotentialFiles[element]?.label ?? model.pseudopotentials[element]?.name ?? ""
    }

    /// Number of valence electrons.
    public var electronCount: Int { model.electronCount }

    /// A one-line summary: `gaas-pbe: GaAs, fcc a = 10.6826 bohr, GTH-PBE (Ga q3, As q5), PBE, fermi-dirac 0.01 Ha, ecut 25 Ha, k 4x4x4`.
    public var summary: String {
        var formula = ""
        for s in crystal.species {
            let n = crystal.atoms.filter { $0.species == s }.count
            formula += n == 1 ? s : "\(s)\(n)"
        }
        let cell: String
        switch structure.source {
        case let .bravais(b): cell = "\(b.rawValue) a = \(shortNumber(structure.latticeConstant ?? 0)) bohr"
        case .vectors: cell = "vectors, volume \(shortNumber(crystal.lattice.volume)) bohr³"
        case let .poscar(p): cell = "POSCAR \((p as NSString).lastPathComponent), volume \(shortNumber(crystal.lattice.volume)) bohr³"
        case let .cif(p):
            cell = "CIF \((p as NSString).lastPathComponent) (\(structure.cif.map { "\($0.spaceGroupSymbol), \($0.conventional.atoms.count) atoms → primitive " } ?? "")"
                + "\(crystal.atoms.count) atoms), volume \(shortNumber(crystal.lattice.volume)) bohr³"
        }
        let pps = crystal.species.map { "\($0) q\(model.pseudopotentials[$0]!.zion)" }.joined(separator: ", ")
        let k = discretization.kmesh.map(String.init).joined(separator: "x")
            + (kmeshSpacing.map { " (spacing \($0.text))" } ?? "")
        let spin = magneticMoments.map { m in "spin-polarised (moments " + m.map { shortNumber($0) }.joined(separator: ", ") + " μB), " } ?? ""
        return "\(name): \(formula), \(cell), \(pseudopotentialFamily) (\(pps)), \(functional.name), \(smearing), \(spin)"
            + "ecut \(shortNumber(discretization.ecut)) Ha, k \(k), \(electronCount) electrons"
    }
}

/// Command-line overrides of a config, as texts with units (`--ecut 30Ha`, `--kmesh 6x6x6`, `--a 5.7Å`).
public struct ConfigOverrides: Sendable, Equatable {
    /// Plane-wave cutoff (plain numbers in Ha).
    public var ecut: String?
    /// k-point mesh: "6x6x6", "6,6,6" or "6".
    public var kmesh: String?
    /// Conventional lattice constant (a unit is required): a Bravais lattice gets this a; vectors and
    /// POSCAR cells are scaled by a / (the config's a).
    public var a: String?

    public init(ecut: String? = nil, kmesh: String? = nil, a: String? = nil) {
        self.ecut = ecut
        self.kmesh = kmesh
        self.a = a
    }

    public var isEmpty: Bool { ecut == nil && kmesh == nil && a == nil }
}
