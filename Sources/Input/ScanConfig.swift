import Bindings
import Crypto
import Foundation
import PlaneWave
import Yams

/// The configuration of a convergence scan: a one-point `Config` (structure, pseudopotentials,
/// functional, smearing, spin, basis, scf) plus the sections `stages`, `resources`, `output` and
/// `point_overrides`:
///
/// ```yaml
/// stages:
///   mode: staged                       # staged (cutoff → kmesh → lattice) | grid (every combination)
///   cutoff:
///     values: [10 Ha, 12 Ha, 14 Ha]    # plain numbers in Ha
///     kmesh: 2x2x2                     # the fixed mesh of this stage (default basis.kmesh)
///     tolerance: 1 meV/atom            # |E(ecut) − E(highest ecut)| per atom, or per quantity:
///                                      # {energy: 1 meV/atom, pressure: 0.5 GPa, force: 1e-3 Ha/bohr,
///                                      #  magnetization: 0.01 μB/atom}
///     energy_difference: {lattice_constants: [5.60 Å, 5.70 Å], tolerance: 0.1 meV/atom}   # optional
///   kmesh:
///     values: [2, 3, 4]                # n (= n×n×n) or 4x4x2, or k-point spacings: [0.4 1/Å, 0.3 1/Å]
///                                      # or "[0.4, 0.3, 0.2] 1/Å" (quoted: one unit for the list), see KSpacing
///     tolerance: 1 meV/atom            # successive meshes agree: stop early (or per quantity, as the cutoff's)
///   lattice:
///     center: 5.653 Å                  # default: the structure's a
///     range: 2 %                       # ± around the centre (or a length), or values: [5.6 Å, …]
///     points: 5
///     # or mode: volume (isotropic cell scaling over V0 × 0.94…1.06 in 7 points, ACWF): see VolumeWindow
/// resources: {timeout: 600 s, memory_limit: 16 GB, ranks_per_point: auto, retry: true, watchdog: 10 min}
/// output: {directory: results/runs/gaas, checkpoint_interval: 60 s}   # default results/runs/<name>
/// point_overrides:                     # per-point settings, e.g. for a difficult point
///   - {stage: lattice, index: 0, max_iterations: 200, timeout: 1200 s}
/// analysis: {final_point: true, bands: {points: 120}, dos: {kmesh: 12x12x12}}   # see AnalysisSettings
/// ```
/// Without `stages`, a one-point config is scanned with default stages around its basis.
///
/// Validation reports every problem it finds (each with its YAML path) as `ScanConfigErrors`.
public struct ScanConfig: Sendable {
    public static let topLevelKeys = Config.sectionKeys + ["stages", "resources", "output", "point_overrides", AnalysisSettings.sectionKey,
                                                           AlertSettings.sectionKey]
    public static let stagesKeys = ["mode", "cutoff", "kmesh", "lattice"]
    public static let cutoffKeys = ["values", "kmesh", "tolerance", "energy_difference"]
    public static let energyDifferenceKeys = ["lattice_constants", "tolerance"]
    public static let kmeshKeys = ["values", "tolerance"]
    public static let latticeKeys = ["mode", "values", "center", "range", "points", "V0", "window"]
    public static let resourcesKeys = ["timeout", "memory_limit", "ranks_per_point", "retry", "watchdog", "mail"]
    public static let mailKeys = ["user", "type"]
    public static let outputKeys = ["directory", "checkpoint_interval"]
    public static let overrideKeys = ["stage", "index", "max_iterations", "timeout", "damping"]

    public enum Mode: String, Sendable, Codable { case staged, grid }

    public struct CutoffStage: Sendable, Equatable, Codable {
        /// Cutoffs (Ha), ascending.
        public var values: [Double]
        public var kmesh: [Int]
        /// Energy tolerance per atom (Ha).
        public var tolerance: Double
        /// Two lattice constants (bohr) whose energy difference must also be converged, and its tolerance per atom (Ha).
        public var differenceLattice: [Double]?
        public var differenceTolerance: Double?
        /// Also converge the pressure and the forces to these (Ha/bohr³, Ha/bohr); nil = not converged.
        public var pressureTolerance: Double? = nil
        public var forceTolerance: Double? = nil
        /// Also converge the magnetisation to this (μB/atom); nil = not converged.
        public var magnetizationTolerance: Double? = nil
    }

    public struct KMeshStage: Sendable, Equatable, Codable {
        /// Meshes, ascending by point count.
        public var values: [[Int]]
        public var tolerance: Double
        /// When the stage was given as k-point spacings: per mesh of `values`, the spacings (bohr⁻¹,
        /// descending) that give it for the base structure's cell (`KSpacing.mesh`); consecutive
        /// spacings with the same mesh give one point. nil for meshes given directly.
        public var spacings: [[Double]]? = nil
        /// Also converge the pressure and the forces to these (Ha/bohr³, Ha/bohr); nil = not converged.
        public var pressureTolerance: Double? = nil
        public var forceTolerance: Double? = nil
        /// Also converge the magnetisation to this (μB/atom); nil = not converged.
        public var magnetizationTolerance: Double? = nil

        public init(values: [[Int]], tolerance: Double, spacings: [[Double]]? = nil, pressureTolerance: Double? = nil,
                    forceTolerance: Double? = nil, magnetizationTolerance: Double? = nil) {
            self.magnetizationTolerance = magnetizationTolerance
            self.values = values
            self.tolerance = tolerance
            self.spacings = spacings
            self.pressureTolerance = pressureTolerance
            self.forceTolerance = forceTolerance
        }

        /// The largest scanned spacing (bohr⁻¹) that gives `mesh`, nil when the stage scanned meshes.
        public func spacing(of mesh: [Int]) -> Double? {
            guard let spacings, let i = values.firstIndex(of: mesh) else { return nil }
            return spacings[i].first
        }

        /// One line per mesh given by more than one spacing (for the console), e.g.
        /// `stage kmesh: spacings 0.3, 0.25 1/Å give the same 6x6x6 mesh: computed once`.
        public var mergedSpacingNotes: [String] {
            guard let spacings else { return [] }
            return zip(values, spacings).compactMap { mesh, s in
                s.count < 2 ? nil : "stage kmesh: spacings \(s.map { String(format: "%.4g", KSpacing.perAngstrom($0)) }.joined(separator: ", ")) 1/Å "
                    + "give the same \(mesh.map(String.init).joined(separator: "x")) mesh for this cell: computed once"
            }
        }
    }

    public struct LatticeStage: Sendable, Equatable, Codable {
        /// Lattice constants (bohr), ascending.
        public var values: [Double]
        /// `mode: volume`: the volume window the lattice constants give (nil: `mode: a`).
        public var volume: VolumeWindow? = nil
    }

    public struct Resources: Sendable, Equatable, Codable {
        /// Wall-time limit of one point (s).
        public var timeout: Double = 3600
        /// Memory of one node the run may use (bytes); a point whose peak per-rank memory exceeds 85 % of
        /// its share (limit / ranks on the node) gets a warning.
        public var memoryLimit: Int64 = 16 * 1_073_741_824
        /// Ranks of the group computing one point; nil = auto (cost model).
        public var ranksPerPoint: Int?
        /// One retry with conservative mixing when a point does not converge.
        public var retry = true
        /// A group computing a point that shows no progress (no SCF iteration ends) for this long (s) is
        /// declared stuck (a stopped or hung rank): the run records it and aborts with exit status 4.
        public var watchdog: Double = 600
        /// The Slurm jobs' mail (`preconv-mpi slurm`): `--mail-user` and `--mail-type` (nil: not set).
        public var mailUser: String?
        public var mailType: String?
    }

    /// Per-point settings for the `index`-th point (0-based, in parameter order) of a stage (all points when nil).
    public struct PointOverride: Sendable, Equatable, Codable {
        public var stage: String
        public var index: Int?
        public var maxIterations: Int?
        public var timeout: Double?
        public var damping: Double?
    }

    /// The base point (structure, model, basis defaults, SCF settings).
    public var base: Config
    public var mode: Mode
    public var cutoff: CutoffStage?
    public var kmesh: KMeshStage?
    public var lattice: LatticeStage?
    public var resources: Resources
    /// Run directory (absolute).
    public var outputDirectory: String
    /// Seconds between checkpoints.
    public var checkpointInterval: Double
    public var pointOverrides: [PointOverride]
    /// The effective YAML text (after `--set` overrides) and the directory its relative paths resolve against.
    public var yaml: String
    public var baseDirectory: String
    /// The config file as given (nil for text).
    public var file: String?
    /// The `analysis:` section (defaults without one); `AnalysisSettings(scan:analysis:)` adds the stage tolerances.
    public var analysis = AnalysisSettings()
    /// The `alerts:` section (defaults without one).
    public var alerts = AlertSettings()
    /// What the config leaves out and the run does instead (e.g. no default lattice stage for a
    /// structure without a lattice constant); printed as warnings at the start of a run.
    public var notes: [String] = []

    /// SHA-256 of the effective YAML text.
    public var configHash: String { sha256Hex(Data(yaml.utf8)) }

    /// What must agree between runs merged by `collect` (structure, pseudopotentials, functional, smearing).
    public var physicsIdentity: PhysicsIdentity { PhysicsIdentity(config: base) }

    // MARK: loading

    /// Reads a scan config file with `--set key=value` overrides applied. Relative output
    /// directories resolve against the current directory.
    public static func load(path: String, overrides: [String] = []) throws -> ScanConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read as UTF-8 text" : "no such file"
            throw ScanConfigErrors([InputError("", "cannot read config file '\(path)': \(why)")])
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path, baseDirectory: dir, overrides: overrides)
    }

    /// Parses scan config text.
    public static func parse(yaml original: String, file: String? = nil, baseDirectory: String? = nil,
                             overrides: [String] = []) throws -> ScanConfig {
        let base = baseDirectory ?? FileManager.default.currentDirectoryPath
        var yaml = original
        if !overrides.isEmpty {
            yaml = try applyOverrides(overrides, to: original, file: file)
        }
        let doc: ConfigDocument
        do {
            doc = try ConfigDocument(yaml: yaml, file: file, baseDirectory: URL(fileURLWithPath: base))
        } catch let e as InputError {
            throw ScanConfigErrors([relocate(e, overridden: !overrides.isEmpty)])
        }
        var errors: [InputError] = []
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch let e as InputError {
                errors.append(doc.locate(e))
            } catch let e as ScanConfigErrors {
                errors.append(contentsOf: e.errors)
            } catch {
                errors.append(InputError("", "\(error)", file: file))
            }
            return nil
        }
        guard let root = attempt({ try Config.root(of: doc, allowing: topLevelKeys) }) else {
            // unknown top-level keys: report them all, then whatever else can be read
            var all = errors
            if let m = try? doc.root().mapping() {
                for (k, v) in m.entries where !topLevelKeys.contains(k) && !all.contains(where: { $0.field == k }) {
                    all.append(v.error("unknown key '\(k)'; allowed keys at the top level: \(topLevelKeys.joined(separator: ", "))"))
                }
            }
            throw ScanConfigErrors(all.map { relocate($0, overridden: !overrides.isEmpty) })
        }
        let config = attempt { try Config(document: doc, root: root) }
        let stages = attempt { try readStages(root["stages"], base: config, root: root) }
        let resources = attempt { try readResources(root["resources"]) }
        let output = attempt { try readOutput(root["output"], name: config?.name ?? "scan") }
        let pointOverrides = attempt { try readPointOverrides(root["point_overrides"]) }
        let analysis = attempt { try root[AnalysisSettings.sectionKey].map { try AnalysisSettings.read($0) } ?? AnalysisSettings() }
        let alerts = attempt { try root[AlertSettings.sectionKey].map { try AlertSettings.read($0) } ?? AlertSettings() }
        guard errors.isEmpty, let config, let stages, let resources, let output, let pointOverrides, let analysis, let alerts else {
            throw ScanConfigErrors(errors.map { relocate($0, overridden: !overrides.isEmpty) })
        }
        var sc = ScanConfig(base: config, mode: stages.mode, cutoff: stages.cutoff, kmesh: stages.kmesh, lattice: stages.lattice,
                            resources: resources, outputDirectory: output.directory, checkpointInterval: output.interval,
                            pointOverrides: pointOverrides, yaml: yaml, baseDirectory: base, file: file)
        sc.analysis = analysis
        sc.alerts = alerts
        sc.notes = stages.notes
        // the override stages must exist
        var overrideErrors: [InputError] = []
        // (and `final`: the final point at the recommended parameters)
        for (i, o) in pointOverrides.enumerated() where !sc.stageNames.contains(o.stage) && o.stage != "final" {
            overrideErrors.append(doc.error("point_overrides[\(i)].stage",
                                            "'\(o.stage)' is not a stage of this scan (\((sc.stageNames + ["final"]).joined(separator: ", ")))"))
        }
        if !overrideErrors.isEmpty { throw ScanConfigErrors(overrideErrors.map { relocate($0, overridden: !overrides.isEmpty) }) }
        return sc
    }

    /// Line numbers of a document rewritten by `--set` do not match the user's file: drop them.
    static func relocate(_ e: InputError, overridden: Bool) -> InputError {
        guard overridden else { return e }
        var e = e
        e.line = nil
        if let f = e.file { e.file = "\(f) with --set" }
        return e
    }

    /// Names of the stages this config runs, in order.
    public var stageNames: [String] {
        if mode == .grid { return ["grid"] }
        return [cutoff.map { _ in "cutoff" }, kmesh.map { _ in "kmesh" }, lattice.map { _ in "lattice" }].compactMap { $0 }
    }

    // MARK: --set

    /// Applies `key=value` overrides (dotted paths, `[i]` list indices; values are YAML) to the document text.
    static func applyOverrides(_ overrides: [String], to yaml: String, file: String?) throws -> String {
        var root: Yams.Node
        do {
            root = try Yams.compose(yaml: yaml) ?? Node.mapping(Node.Mapping([]))
        } catch {
            // report the syntax error of the file itself
            _ = try ConfigDocument(yaml: yaml, file: file)
            throw InputError("", "cannot parse YAML: \(error)", file: file)
        }
        var errors: [InputError] = []
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else {
                errors.append(InputError("", "--set '\(o)': expected key=value (e.g. --set output.directory=/scratch/run1)"))
                continue
            }
            let key = String(o[..<eq]).trimmingCharacters(in: .whitespaces)
            let valueText = String(o[o.index(after: eq)...])
            let components = parsePath(key)
            guard !key.isEmpty, let components else {
                errors.append(InputError(key, "--set '\(o)': '\(key)' is not a key path (e.g. stages.kmesh.values or structure.atoms[1].position)"))
                continue
            }
            let value: Node
            do {
                value = try Yams.compose(yaml: valueText) ?? Node("null", Tag(.null))
            } catch {
                // a list with one unit after it ("[0.4, 0.3] 1/Å", k-point spacings) is not YAML: kept as text
                if valueText.trimmingCharacters(in: .whitespaces).range(of: #"^\[[^\[\]]*\]\s*\S+$"#, options: .regularExpression) != nil {
                    value = Node(valueText.trimmingCharacters(in: .whitespaces), Tag(.str), .doubleQuoted)
                } else {
                    errors.append(InputError(key, "--set value '\(valueText)' is not valid YAML"))
                    continue
                }
            }
            do {
                root = try set(components[...], in: root, to: value, path: "")
            } catch let e as InputError {
                errors.append(e)
            }
        }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return try Yams.serialize(node: root, allowUnicode: true)
    }

    enum PathComponent: Equatable { case key(String), index(Int) }

    static func parsePath(_ text: String) -> [PathComponent]? {
        var out: [PathComponent] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var p = Substring(part)
            guard let nameEnd = p.firstIndex(of: "[") ?? Optional(p.endIndex) else { return nil }
            let name = p[..<nameEnd]
            guard !name.isEmpty else { return nil }
            out.append(.key(String(name)))
            p = p[nameEnd...]
            while !p.isEmpty {
                guard p.first == "[", let close = p.firstIndex(of: "]"),
                      let i = Int(p[p.index(after: p.startIndex)..<close]), i >= 0 else { return nil }
                out.append(.index(i))
                p = p[p.index(after: close)...]
            }
        }
        return out
    }

    static func set(_ path: ArraySlice<PathComponent>, in node: Node, to value: Node, path shown: String) throws -> Node {
        guard let first = path.first else { return value }
        let rest = path.dropFirst()
        switch first {
        case let .key(k):
            let here = shown.isEmpty ? k : "\(shown).\(k)"
            var m: Node.Mapping
            switch node {
            case let .mapping(existing): m = existing
            case .scalar where ConfigNodeIsNull(node): m = Node.Mapping([])
            default: throw InputError(shown, "--set \(here): \(shown.isEmpty ? "the document" : shown) is not a mapping")
            }
            let child = m[k] ?? Node.mapping(Node.Mapping([]))
            m[k] = try set(rest, in: child, to: value, path: here)
            return .mapping(m)
        case let .index(i):
            let here = "\(shown)[\(i)]"
            guard case var .sequence(s) = node else { throw InputError(shown, "--set \(here): \(shown) is not a list") }
            guard i < s.count else { throw InputError(shown, "--set \(here): the list has \(s.count) items") }
            let child = s[i]
            s.replaceSubrange(i..<(i + 1), with: [try set(rest, in: child, to: value, path: here)])
            return .sequence(s)
        }
    }

    // MARK: sections

    struct Stages { var mode: Mode; var cutoff: CutoffStage?; var kmesh: KMeshStage?; var lattice: LatticeStage?; var notes: [String] = [] }

    static func readStages(_ node: ConfigNode?, base: Config?, root: ConfigMapping) throws -> Stages {
        var errors: [InputError] = []
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors {
                errors.append(contentsOf: e.errors)
            } catch { errors.append(InputError(node?.path ?? "stages", "\(error)")) }
            return nil
        }
        let atoms = Double(max(1, base?.crystal.atoms.count ?? 1))
        let baseA = base?.structure.latticeConstant
        let baseK = base?.discretization.kmesh ?? [1, 1, 1]
        guard let node else {
            // default stages around the basis of a one-point config
            guard let base else { throw ScanConfigErrors([]) }
            let e = base.discretization.ecut
            let cut = CutoffStage(values: [0.6, 0.8, 1.0, 1.2, 1.4].map { ($0 * e * 1000).rounded() / 1000 }, kmesh: baseK,
                                  tolerance: 1e-3 / Units.hartreeInEV, differenceLattice: nil, differenceTolerance: nil)
            let km = try defaultKMeshStage(baseMesh: baseK, lattice: base.crystal.lattice)
            let lat = baseA.map { a in LatticeStage(values: (-2...2).map { a * (1 + 0.01 * Double($0)) }) }
            // the default lattice stage scans a ± 2 %: without a lattice constant there is none, and the run says so
            var notes = lat == nil
                ? ["no lattice stage: the default stages scan the lattice constant only when the structure gives one "
                   + "(add a: … to \(base.structure.latticeConstantPath), or give stages.lattice with center:); the cell is used as given"]
                : []
            if km.spacings != nil, !km.values.contains(baseK) {
                let meshes = km.values.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ", ")
                notes.append("default k-mesh stage: basis.kmesh \(baseK.map(String.init).joined(separator: "x")) does not follow the cell's shape; "
                             + "the stage scans k-point spacings by its coarsest direction (meshes \(meshes)); give stages.kmesh to choose")
            }
            return Stages(mode: .staged, cutoff: cut, kmesh: km, lattice: lat, notes: notes)
        }
        let m = try node.mapping(allowed: stagesKeys, expected: "a mapping of stages (\(stagesKeys.joined(separator: ", ")))")
        var mode = Mode.staged
        if let mn = m["mode"] {
            let t = try mn.string(expected: "staged or grid")
            guard let md = Mode(rawValue: t.lowercased()) else { throw mn.error("'\(t)' is not one of staged, grid") }
            mode = md
        }
        let cutoff: CutoffStage? = m["cutoff"].flatMap { c in attempt { try readCutoff(c, atoms: atoms, defaultKMesh: baseK) } }
        let kmesh: KMeshStage? = m["kmesh"].flatMap { k in attempt { try readKMesh(k, atoms: atoms, lattice: base?.crystal.lattice) } }
        let lattice: LatticeStage? = m["lattice"].flatMap { l in attempt { try readLattice(l, center: baseA, base: base) } }
        if m["cutoff"] == nil && m["kmesh"] == nil && m["lattice"] == nil && errors.isEmpty {
            errors.append(node.error("no stages: give at least one of cutoff, kmesh, lattice"))
        }
        if mode == .grid, errors.isEmpty, let c = cutoff, c.differenceLattice != nil {
            errors.append(InputError("stages.cutoff.energy_difference", "is only used in staged mode"))
        }
        if !errors.isEmpty { throw ScanConfigErrors(errors.map { node.document.locate($0) }) }
        return Stages(mode: mode, cutoff: cutoff, kmesh: kmesh, lattice: lattice)
    }

    /// A list of values read element by element, every bad element reported.
    static func readList<T>(_ node: ConfigNode, expected: String, _ element: (ConfigNode) throws -> T) throws -> [T] {
        let items: [ConfigNode]
        if case .sequence = node.node { items = try node.sequence() } else {
            throw node.error("expected a list of \(expected), got \(node.kindName)")
        }
        guard !items.isEmpty else { throw node.error("is empty; give at least one value (\(expected))") }
        var out: [T] = []
        var errors: [InputError] = []
        for item in items {
            do { out.append(try element(item)) } catch let e as InputError { errors.append(item.document.locate(e)) }
        }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return out
    }

    static func positiveEnergy(_ n: ConfigNode, maximum: Double = 1000) throws -> Double {
        let q = try n.quantity(.energy, defaultUnit: "Ha")
        guard q.value > 0 else { throw n.error("\(q.text) must be positive") }
        guard q.value <= maximum else { throw n.error("\(q.text) is implausibly large (maximum \(shortNumber(maximum)) Ha); check the unit") }
        return q.value
    }

    /// A tolerance per atom (Ha): `1 meV/atom`; a plain energy is taken per atom as well.
    static func tolerance(_ n: ConfigNode) throws -> Double {
        let q = try n.quantity(.energy, defaultUnit: "Ha", allowPerAtom: true)
        guard q.value > 0 else { throw n.error("\(q.text) must be positive") }
        guard q.value < 1 else { throw n.error("\(q.text) is implausibly large for a tolerance (maximum 1 Ha/atom)") }
        return q.value
    }

    public static let toleranceKeys = ["energy", "pressure", "force", "magnetization"]

    /// A stage's `tolerance`: an energy per atom (`1 meV/atom`), or a mapping of tolerances per
    /// quantity `{energy: 1 meV/atom, pressure: 0.5 GPa, force: 1e-3 Ha/bohr}` (energy per atom in Ha,
    /// pressure in Ha/bohr³, force in Ha/bohr, magnetization in μB/atom: `{magnetization: 0.01 μB/atom}`;
    /// nil: the default energy tolerance, pressure, forces and magnetisation not converged).
    static func tolerances(_ n: ConfigNode) throws -> (energy: Double?, pressure: Double?, force: Double?, magnetization: Double?) {
        guard case .mapping = n.node else { return (try tolerance(n), nil, nil, nil) }
        let m = try n.mapping(allowed: toleranceKeys, expected: "an energy per atom (1 meV/atom) or a mapping {energy: 1 meV/atom, pressure: 0.5 GPa}")
        var errors: [InputError] = []
        var out: (energy: Double?, pressure: Double?, force: Double?, magnetization: Double?) = (nil, nil, nil, nil)
        do { out.energy = try m["energy"].map { try tolerance($0) } } catch let e as InputError { errors.append(e) }
        do {
            if let p = m["pressure"] {
                let q = try p.quantity(.pressure, defaultUnit: "GPa")
                guard q.value > 0 else { throw p.error("\(q.text) must be positive") }
                guard q.value * Units.hartreePerBohr3InGPa <= 100 else { throw p.error("\(q.text) is implausibly large for a pressure tolerance (maximum 100 GPa)") }
                out.pressure = q.value
            }
        } catch let e as InputError { errors.append(e) }
        do {
            if let f = m["force"] {
                let q = try f.quantity(.force, defaultUnit: "Ha/bohr")
                guard q.value > 0 else { throw f.error("\(q.text) must be positive") }
                guard q.value <= 1 else { throw f.error("\(q.text) is implausibly large for a force tolerance (maximum 1 Ha/bohr)") }
                out.force = q.value
            }
        } catch let e as InputError { errors.append(e) }
        do { out.magnetization = try m["magnetization"].map { try magnetizationTolerance($0) } } catch let e as InputError { errors.append(e) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return out
    }

    /// A magnetisation tolerance per atom (μB/atom): `0.01 μB/atom` (also `muB/atom`, or `μB`, `muB`
    /// or a plain number, taken per atom).
    static func magnetizationTolerance(_ n: ConfigNode) throws -> Double {
        let text = try n.scalar(expected: "a magnetization per atom such as 0.01 μB/atom")
        guard let (value, unit) = Quantity.splitNumber(text.trimmingCharacters(in: .whitespaces)),
              ["", "μB/atom", "muB/atom", "μB", "muB", "uB/atom", "uB"].contains(unit) else {
            throw n.error("'\(text)' is not a magnetization per atom (e.g. 0.01 μB/atom; units: μB/atom, muB/atom)")
        }
        guard value > 0 else { throw n.error("\(text) must be positive") }
        guard value <= 5 else { throw n.error("\(text) is implausibly large for a magnetization tolerance (maximum 5 μB/atom)") }
        return value
    }

    static func noDuplicates<T: Hashable>(_ values: [T], _ node: ConfigNode, shown: (T) -> String) throws {
        var seen = Set<T>()
        for v in values where !seen.insert(v).inserted { throw node.error("\(shown(v)) is listed twice") }
    }

    static func readCutoff(_ node: ConfigNode, atoms: Double, defaultKMesh: [Int]) throws -> CutoffStage {
        let m = try node.mapping(allowed: cutoffKeys, expected: "a mapping {values: [10 Ha, 12 Ha], kmesh: 2x2x2, tolerance: 1 meV/atom}")
        var errors: [InputError] = []
        var values: [Double] = []
        do {
            values = try readList(try m.required("values", "cutoffs, e.g. [10 Ha, 12 Ha, 14 Ha]"), expected: "cutoffs such as 25 Ha") {
                try positiveEnergy($0)
            }
            try noDuplicates(values, m["values"]!) { "\(shortNumber($0)) Ha" }
        } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors { errors.append(contentsOf: e.errors) }
        var kmesh = defaultKMesh
        var tol = 1e-3 / Units.hartreeInEV
        var pressureTol: Double? = nil, forceTol: Double? = nil, magnetizationTol: Double? = nil
        var dl: [Double]? = nil, dt: Double? = nil
        do {
            if let k = m["kmesh"] { kmesh = try k.integerTriple(minimum: 1, maximum: 200) }
        } catch let e as InputError { errors.append(e) }
        do {
            if let t = m["tolerance"] {
                let ts = try tolerances(t)
                tol = ts.energy ?? tol; pressureTol = ts.pressure; forceTol = ts.force; magnetizationTol = ts.magnetization
            }
        } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors { errors.append(contentsOf: e.errors) }
        do {
            if let d = m["energy_difference"] {
                let dm = try d.mapping(allowed: energyDifferenceKeys, expected: "a mapping {lattice_constants: [5.60 Å, 5.70 Å], tolerance: 0.1 meV/atom}")
                let lc = try dm.required("lattice_constants", "two lattice constants, e.g. [5.60 Å, 5.70 Å]")
                let list = try readList(lc, expected: "lattice constants with a unit") { try StructureSpec.lengthConstant($0, defaultUnit: nil) }
                guard list.count == 2 else { throw lc.error("expected two lattice constants, got \(list.count)") }
                guard list[0] != list[1] else { throw lc.error("the two lattice constants must differ") }
                dl = list.sorted()
                dt = try dm["tolerance"].map { try tolerance($0) } ?? tol / 10
            }
        } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors { errors.append(contentsOf: e.errors) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return CutoffStage(values: values.sorted(), kmesh: kmesh, tolerance: tol, differenceLattice: dl, differenceTolerance: dt,
                           pressureTolerance: pressureTol, forceTolerance: forceTol, magnetizationTolerance: magnetizationTol)
    }

    /// `stages.kmesh`: meshes, or k-point spacings turned into meshes for `lattice` (the base
    /// structure's cell; nil when the structure could not be read, then spacings are only checked).
    static func readKMesh(_ node: ConfigNode, atoms: Double, lattice: Lattice?) throws -> KMeshStage {
        let m = try node.mapping(allowed: kmeshKeys, expected: "a mapping {values: [2, 4, 6], tolerance: 1 meV/atom}")
        var errors: [InputError] = []
        var values: [[Int]] = []
        var spacings: [[Double]]? = nil
        do {
            let vNode = try m.required("values", "meshes, e.g. [2, 4, 6] or [4x4x4, 6x6x6], or k-point spacings, e.g. [0.3 1/Å, 0.2 1/Å]")
            if let listed = try spacingList(vNode) {
                let qs = try vNode.located { try listed.map { text, field in try KSpacing.parse(text, field: field) } }
                try noDuplicates(qs.map(\.value), vNode) { "spacing \(String(format: "%.4g", KSpacing.perAngstrom($0))) 1/Å" }
                if let lattice {
                    (values, spacings) = try meshes(of: qs, lattice: lattice, field: vNode.path)
                }
            } else {
                let items = try readList(vNode, expected: "k-point meshes such as 4 or 4x4x4, or k-point spacings such as 0.2 1/Å") { item -> KMeshItem in
                    if case .sequence = item.node { return .mesh(try item.integerTriple(minimum: 1, maximum: 200)) }
                    let t = try item.scalar(expected: "a k-point mesh such as 4 or 4x4x4, or a k-point spacing such as 0.2 1/Å")
                    let parts = t.split(whereSeparator: { "xX×,[]".contains($0) || $0.isWhitespace })
                    if !parts.isEmpty, parts.allSatisfy({ Int($0) != nil }) { return .mesh(try item.integerTriple(minimum: 1, maximum: 200)) }
                    if let (_, rest) = Quantity.splitNumber(t.trimmingCharacters(in: .whitespaces)), rest.isEmpty {
                        throw item.error("'\(t)' is neither a k-point mesh (a whole number n, or 4x4x4) nor a k-point spacing: a spacing needs a unit "
                                         + "(\(Quantity.allowedUnits(.inverseLength)), e.g. 0.2 1/Å)")
                    }
                    return .spacing(try item.located { try KSpacing.parse(t, field: item.path) })
                }
                let qs = items.compactMap { if case let .spacing(q) = $0 { q } else { nil } }
                if qs.isEmpty {
                    values = items.compactMap { if case let .mesh(k) = $0 { k } else { nil } }
                    try noDuplicates(values, vNode) { $0.map(String.init).joined(separator: "x") }
                } else {
                    guard qs.count == items.count else {
                        throw vNode.error("mixes k-point meshes and k-point spacings; give only meshes (e.g. [4, 6, 8]) or only spacings (e.g. [0.3 1/Å, 0.2 1/Å])")
                    }
                    try noDuplicates(qs.map(\.value), vNode) { "spacing \(String(format: "%.4g", KSpacing.perAngstrom($0))) 1/Å" }
                    if let lattice {
                        (values, spacings) = try meshes(of: qs, lattice: lattice, field: vNode.path)
                    }
                }
            }
        } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors { errors.append(contentsOf: e.errors) }
        var tol = 1e-3 / Units.hartreeInEV
        var pressureTol: Double? = nil, forceTol: Double? = nil, magnetizationTol: Double? = nil
        do {
            if let t = m["tolerance"] {
                let ts = try tolerances(t)
                tol = ts.energy ?? tol; pressureTol = ts.pressure; forceTol = ts.force; magnetizationTol = ts.magnetization
            }
        } catch let e as InputError { errors.append(e) } catch let e as ScanConfigErrors { errors.append(contentsOf: e.errors) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        if spacings != nil {
            return KMeshStage(values: values, tolerance: tol, spacings: spacings, pressureTolerance: pressureTol, forceTolerance: forceTol,
                              magnetizationTolerance: magnetizationTol)
        }
        let sorted = values.enumerated().sorted { a, b in
            let pa = a.element.reduce(1, *), pb = b.element.reduce(1, *)
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
        return KMeshStage(values: sorted, tolerance: tol, pressureTolerance: pressureTol, forceTolerance: forceTol,
                          magnetizationTolerance: magnetizationTol)
    }

    enum KMeshItem { case mesh([Int]), spacing(Quantity) }

    /// The one-unit form `"[0.4, 0.3, 0.2] 1/Å"` (a scalar): each number with the unit after the
    /// bracket, as (text, field) pairs; nil when `node` is not of this form.
    static func spacingList(_ node: ConfigNode) throws -> [(String, String)]? {
        guard case .scalar = node.node, !node.isNull else { return nil }
        let t = try node.string()
        guard t.hasPrefix("["), let close = t.firstIndex(of: "]") else { return nil }
        let unit = t[t.index(after: close)...].trimmingCharacters(in: .whitespaces)
        let numbers = t[t.index(after: t.startIndex)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !numbers.isEmpty, !numbers.contains(where: \.isEmpty) else {
            throw node.error("'\(t)' is not a list of k-point spacings with one unit (e.g. \"[0.4, 0.3, 0.2] 1/Å\")")
        }
        guard !unit.isEmpty else {
            throw node.error("'\(t)': k-point spacings need a unit after the list (\(Quantity.allowedUnits(.inverseLength)), e.g. \"[0.4, 0.3, 0.2] 1/Å\")")
        }
        return numbers.enumerated().map { ("\($0.element) \(unit)", "\(node.path)[\($0.offset)]") }
    }

    /// Meshes of `spacings` for `lattice`, coarsest first (spacings descending); consecutive spacings
    /// with the same mesh merged (N_i is monotone in the spacing, so equal meshes are consecutive).
    /// The default k-mesh stage around the base mesh N = (N_1, N_2, N_3) with n = max(max_i N_i, 2):
    /// three meshes like n−2, n, n+2 per direction (n−2 at least 1). A cubic-shaped problem (equal
    /// |b_i| and N_1 = N_2 = N_3) scans n×n×n meshes. Any other cell follows its shape: the stage scans
    /// the spacings Δk_0 · n/m for m ∈ {n−2, n, n+2}, where Δk_0 = max_i |b_i|/N_i is the spacing that
    /// gives the base mesh (`KSpacing`), so a hexagonal 6×6×3 base gives 4×4×2, 6×6×3, 8×8×4.
    static func defaultKMeshStage(baseMesh: [Int], lattice: Lattice) throws -> KMeshStage {
        let n = max(baseMesh.max()!, 2)
        let tolerance = 1e-3 / Units.hartreeInEV
        let divisions = Array(Set([max(1, n - 2), n, n + 2])).sorted()
        let lengths = lattice.reciprocal.map { KSpacing.length($0) }
        let isotropic = Set(baseMesh).count == 1 && lengths.allSatisfy { abs($0 - lengths[0]) <= 1e-8 * lengths[0] }
        if isotropic { return KMeshStage(values: divisions.map { [$0, $0, $0] }, tolerance: tolerance) }
        let base = zip(lengths, baseMesh).map { $0 / Double($1) }.max()!
        let spacings = divisions.map { m in
            let value = base * Double(n) / Double(m)
            return Quantity(value: value, dimension: .inverseLength, perAtom: false,
                            text: "\(shortNumber(KSpacing.perAngstrom(value))) 1/Å")
        }
        let (values, merged) = try meshes(of: spacings, lattice: lattice, field: "basis.kmesh")
        return KMeshStage(values: values, tolerance: tolerance, spacings: merged)
    }

    static func meshes(of spacings: [Quantity], lattice: Lattice, field: String) throws -> ([[Int]], [[Double]]) {
        var values: [[Int]] = [], merged: [[Double]] = []
        for q in spacings.sorted(by: { $0.value > $1.value }) {
            let mesh = try KSpacing.checkedMesh(lattice: lattice, spacing: q, field: field)
            if mesh == values.last { merged[merged.count - 1].append(q.value) } else {
                values.append(mesh)
                merged.append([q.value])
            }
        }
        return (values, merged)
    }

    static func readLattice(_ node: ConfigNode, center: Double?, base: Config?) throws -> LatticeStage {
        let m = try node.mapping(allowed: latticeKeys, expected: "a mapping {range: 2 %, points: 5} or {values: [5.60 Å, 5.65 Å]}")
        if let mn = m["mode"] {
            let t = try mn.string(expected: "a or volume")
            switch t.lowercased() {
            case "a": break
            case "volume":
                let window = try VolumeWindow.read(m, volume: base?.crystal.lattice.volume, atoms: base?.crystal.atoms.count ?? 1)
                try checkRescalable(base: base, node: node)
                guard let base, let a = base.structure.latticeConstant else { return LatticeStage(values: [], volume: window) }
                return LatticeStage(values: window.latticeConstants(a: a, volume: base.crystal.lattice.volume), volume: window)
            default: throw mn.error("'\(t)' is not one of a, volume")
            }
        }
        for k in ["V0", "window"] where m.contains(k) { throw m[k]!.error("is only used with mode: volume") }
        if let v = m["values"] {
            for k in ["center", "range", "points"] where m.contains(k) {
                throw m[k]!.error("cannot be combined with stages.lattice.values")
            }
            let list = try readList(v, expected: "lattice constants with a unit") { try StructureSpec.lengthConstant($0, defaultUnit: nil) }
            try noDuplicates(list, v) { "\(shortNumber($0 / Units.angstrom)) Å" }
            try checkRescalable(base: base, node: v)
            return LatticeStage(values: list.sorted())
        }
        var errors: [InputError] = []
        var c = center
        do {
            if let cn = m["center"] { c = try StructureSpec.lengthConstant(cn, defaultUnit: nil) }
        } catch let e as InputError { errors.append(e) }
        var points = 5
        do {
            if let p = m["points"] {
                points = try p.integer(expected: "a number of points")
                guard points >= 1 else { throw p.error("\(points) must be at least 1") }
                guard points <= 101 else { throw p.error("\(points) is too many lattice constants (maximum 101)") }
            }
        } catch let e as InputError { errors.append(e) }
        var fraction = 0.02
        var absolute: Double? = nil
        do {
            if let r = m["range"] {
                let t = try r.string(expected: "a relative range such as 2 % or a length such as 0.1 Å")
                if t.hasSuffix("%") {
                    guard let x = Double(t.dropLast().trimmingCharacters(in: .whitespaces)), x.isFinite else {
                        throw r.error("'\(t)' is not a percentage (e.g. 2 %)")
                    }
                    guard x > 0 else { throw r.error("\(t) must be positive") }
                    guard x < 50 else { throw r.error("\(t) is implausibly large (maximum 50 %)") }
                    fraction = x / 100
                } else {
                    let q = try r.quantity(.length, defaultUnit: nil)
                    guard q.value > 0 else { throw r.error("\(q.text) must be positive") }
                    absolute = q.value
                }
            }
        } catch let e as InputError { errors.append(e) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        guard let c else {
            throw node.error("needs center: (the structure gives no lattice constant; add a: to the structure)")
        }
        try checkRescalable(base: base, node: node)
        let half = absolute ?? c * fraction
        guard half < c else { throw InputError(m.node.child("range"), "±\(shortNumber(half)) bohr would reach a ≤ 0") }
        let values = points == 1 ? [c] : (0..<points).map { c - half + 2 * half * Double($0) / Double(points - 1) }
        return LatticeStage(values: values)
    }

    /// Vectors and POSCAR cells are rescaled by a / a_config: they need the config's `a`.
    static func checkRescalable(base: Config?, node: ConfigNode) throws {
        guard let base, base.structure.latticeConstant == nil else { return }
        throw node.error("needs the structure's lattice constant to rescale the cell (add a: … to \(base.structure.latticeConstantPath))")
    }

    static func readResources(_ node: ConfigNode?) throws -> Resources {
        var r = Resources()
        guard let node else { return r }
        let m = try node.mapping(allowed: resourcesKeys, expected: "a mapping {timeout: 600 s, memory_limit: 16 GB, ranks_per_point: auto}")
        var errors: [InputError] = []
        do { if let t = m["timeout"] { r.timeout = try duration(t) } } catch let e as InputError { errors.append(e) }
        do {
            if let mem = m["memory_limit"] {
                let t = try mem.string(expected: "a size such as 16 GB")
                guard let b = try? ByteCount(parsing: t.replacingOccurrences(of: " ", with: "")) else {
                    throw mem.error("'\(t)' is not a size (e.g. 16 GB, 512 MiB)")
                }
                guard b.bytes > 0 else { throw mem.error("\(t) must be positive") }
                guard b.bytes >= 64 << 20 else { throw mem.error("\(t) is implausibly small (minimum 64 MiB); check the unit") }
                r.memoryLimit = b.bytes
            }
        } catch let e as InputError { errors.append(e) }
        do {
            if let rp = m["ranks_per_point"], try rp.scalar(expected: "a number of ranks or auto").lowercased() != "auto" {
                let n = try rp.integer(expected: "a number of ranks or auto")
                guard n >= 1 else { throw rp.error("\(n) must be at least 1 (or auto)") }
                r.ranksPerPoint = n
            }
        } catch let e as InputError { errors.append(e) }
        do { if let rt = m["retry"] { r.retry = try rt.bool() } } catch let e as InputError { errors.append(e) }
        do { if let w = m["watchdog"] { r.watchdog = try duration(w) } } catch let e as InputError { errors.append(e) }
        do {
            if let mail = m["mail"] {
                let mm = try mail.mapping(allowed: mailKeys, expected: "a mapping {user: name@example.org, type: END,FAIL}")
                if let u = mm["user"] { r.mailUser = try u.string(expected: "a mail address") }
                if let t = mm["type"] { r.mailType = try t.string(expected: "Slurm mail types such as END,FAIL") }
            }
        } catch let e as InputError { errors.append(e) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return r
    }

    static func readOutput(_ node: ConfigNode?, name: String) throws -> (directory: String, interval: Double) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var dir = cwd.appendingPathComponent("results/runs").appendingPathComponent(name).path
        var interval = 60.0
        guard let node else { return (dir, interval) }
        let m = try node.mapping(allowed: outputKeys, expected: "a mapping {directory: runs/gaas, checkpoint_interval: 60 s}")
        var errors: [InputError] = []
        do {
            if let d = m["directory"] {
                let t = try d.string(expected: "a directory path")
                guard !t.isEmpty else { throw d.error("must not be empty") }
                dir = t.hasPrefix("/") ? t : cwd.appendingPathComponent(t).standardizedFileURL.path
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
                    throw d.error("'\(t)' exists and is not a directory")
                }
            }
        } catch let e as InputError { errors.append(e) }
        do { if let i = m["checkpoint_interval"] { interval = try duration(i) } } catch let e as InputError { errors.append(e) }
        if !errors.isEmpty { throw ScanConfigErrors(errors) }
        return (dir, interval)
    }

    static func readPointOverrides(_ node: ConfigNode?) throws -> [PointOverride] {
        guard let node else { return [] }
        return try readList(node, expected: "overrides {stage: …, index: …, max_iterations: …}") { item in
            let m = try item.mapping(allowed: overrideKeys, expected: "a mapping {stage: lattice, index: 0, max_iterations: 200}")
            let stage = try m.required("stage", "cutoff, kmesh, lattice or grid").string(expected: "a stage name")
            var o = PointOverride(stage: stage)
            if let i = m["index"] {
                o.index = try i.integer(expected: "a point index")
                guard o.index! >= 0 else { throw i.error("\(o.index!) must be ≥ 0") }
            }
            if let n = m["max_iterations"] {
                o.maxIterations = try n.integer()
                guard o.maxIterations! >= 1 else { throw n.error("\(o.maxIterations!) must be at least 1") }
            }
            if let t = m["timeout"] { o.timeout = try duration(t) }
            if let d = m["damping"] {
                o.damping = try d.number()
                guard o.damping! > 0, o.damping! <= 1 else { throw d.error("\(shortNumber(o.damping!)) must be in (0, 1]") }
            }
            return o
        }
    }

    /// A duration: `600 s`, `15 min`, `1.5 h`, `1 d`; plain numbers in seconds.
    static func duration(_ node: ConfigNode) throws -> Double {
        let t = try node.string(expected: "a duration such as 600 s or 15 min")
        guard let (number, unit) = Quantity.splitNumber(t), number.isFinite else {
            throw node.error("'\(t)' is not a duration (e.g. 600 s, 15 min, 1 h)")
        }
        let scale: Double
        switch unit {
        case "", "s", "sec", "second", "seconds": scale = 1
        case "ms": scale = 1e-3
        case "min", "m", "minute", "minutes": scale = 60
        case "h", "hour", "hours": scale = 3600
        case "d", "day", "days": scale = 86400
        default: throw node.error("'\(t)' has unknown unit '\(unit)'; allowed units: s, min, h, d")
        }
        let v = number * scale
        guard v > 0 else { throw node.error("\(t) must be positive") }
        guard v <= 30 * 86400 else { throw node.error("\(t) is implausibly long (maximum 30 days)") }
        return v
    }
}

/// Every problem found in a scan config, each one line with its YAML path.
public struct ScanConfigErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [InputError]
    public init(_ errors: [InputError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The physics a run's energies depend on apart from the scanned parameters: runs that differ in
/// it cannot be merged.
public struct PhysicsIdentity: Codable, Sendable, Equatable {
    public var structure: String
    /// The family, then per element its GTH valence ("Ga q3") or its file's name and SHA-256 ("Si
    /// Si.psp8 sha256:…"), with any functional mismatch `allow_functional_mismatch` let through.
    public var pseudopotentials: String
    public var functional: String
    public var smearing: String
    /// "moments 3, -3 μB" of a spin-polarised config; nil when unpolarised (and in runs written before
    /// spin-polarised scans, all unpolarised).
    public var spin: String? = nil

    public init(config c: Config) {
        let v = c.crystal.lattice.vectors.map { String(format: "[%.8f, %.8f, %.8f]", $0.x, $0.y, $0.z) }.joined(separator: ", ")
        let atoms = c.crystal.atoms.map { a in
            String(format: "%@ [%.8f, %.8f, %.8f]", a.species, a.position.x, a.position.y, a.position.z)
        }.joined(separator: "; ")
        structure = "lattice bohr \(v); atoms \(atoms)"
        pseudopotentials = c.pseudopotentialFamily + " " + c.crystal.species.map { s in
            c.pseudopotentialFiles[s].map { f in
                "\(s) \(f.label)" + (f.functionalMismatch.map { " (allowed functional mismatch: \($0))" } ?? "")
            } ?? "\(s) q\(c.model.pseudopotentials[s]!.zion)"
        }.joined(separator: ", ")
        functional = c.functional.name
        smearing = "\(c.smearing)"
        spin = c.magneticMoments.map { "moments " + $0.map { shortNumber($0) }.joined(separator: ", ") + " μB" }
    }

    /// The fields that differ from `other`, named.
    public func differences(from other: PhysicsIdentity) -> [String] {
        var d: [String] = []
        if structure != other.structure { d.append("structure (\(structure) vs \(other.structure))") }
        if pseudopotentials != other.pseudopotentials { d.append("pseudopotentials (\(pseudopotentials) vs \(other.pseudopotentials))") }
        if functional != other.functional { d.append("functional (\(functional) vs \(other.functional))") }
        if smearing != other.smearing { d.append("smearing (\(smearing) vs \(other.smearing))") }
        if spin != other.spin { d.append("spin (\(spin ?? "unpolarised") vs \(other.spin ?? "unpolarised"))") }
        return d
    }
}

func ConfigNodeIsNull(_ node: Yams.Node) -> Bool {
    guard case let .scalar(s) = node else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(s.string)
}

/// Lower-case hex SHA-256 of `data`.
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
