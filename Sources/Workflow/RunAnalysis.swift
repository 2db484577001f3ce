import Foundation
import Parallel
import PlaneWave

/// Everything the analysis derives from a run, stored as `<run-dir>/analysis.json` (what
/// `preconv-mpi report` regenerates the page from, with the point records).
public struct AnalysisDocument: Codable, Sendable {
    public var format = 1
    public var generated_at: String
    public var program: String
    public var settings: AnalysisSettings
    public var system: SystemDescription?
    public var decisions: [ConvergenceDecision]
    /// The equation of state of the (last) lattice stage.
    public var eos: EquationOfState?
    public var eos_stage: String?
    /// Why there is no equation of state although a lattice stage exists.
    public var eos_error: String?
    public var recommended: RecommendedParameters?
    /// The final point at the recommended parameters (a0), if computed.
    public var final_point: PointRecord?
    public var bands: BandsAndDOS?
    public var warnings: [String]
    /// Free-form provenance (program version, git revision, host, command line…).
    public var provenance: [String: String]

    public init(generated_at: String, program: String, settings: AnalysisSettings, system: SystemDescription?,
                decisions: [ConvergenceDecision], eos: EquationOfState?, eos_stage: String?, eos_error: String?,
                recommended: RecommendedParameters?, final_point: PointRecord?, bands: BandsAndDOS?, warnings: [String],
                provenance: [String: String]) {
        self.generated_at = generated_at; self.program = program; self.settings = settings; self.system = system
        self.decisions = decisions; self.eos = eos; self.eos_stage = eos_stage; self.eos_error = eos_error
        self.recommended = recommended; self.final_point = final_point; self.bands = bands; self.warnings = warnings
        self.provenance = provenance
    }

    public static let file = "analysis.json"
}

/// The analysis of a run's point records and its end-of-run work (final point at a0, bands, DOS,
/// exports, report).
public enum RunAnalysis {
    public static let program = "preconv-mpi 0.1.0"
    /// Stages that are not scans (their records are never part of a decision).
    public static let nonScanStages: Set<String> = ["final", "bands"]

    /// Decisions of every scan stage and the equation of state, from the records alone.
    public struct RecordsAnalysis: Sendable {
        public var decisions: [ConvergenceDecision] = []
        public var eos: EquationOfState?
        public var eosStage: String?
        public var eosError: String?
        public var warnings: [String] = []
    }

    /// What the runner's stages scan (a stage's own records may not show it: see `analyse`).
    static let scannedByStageName: [String: ConvergenceParameter] = ["cutoff": .cutoff, "kmesh": .kmesh, "lattice": .lattice]

    /// The latest record of every id, in first-appearance order.
    public static func latest(_ records: [PointRecord]) -> [PointRecord] {
        var order: [String] = [], byID: [String: PointRecord] = [:]
        for r in records {
            if byID[r.id] == nil { order.append(r.id) }
            byID[r.id] = r
        }
        return order.map { byID[$0]! }
    }

    /// Decides every stage. A stage's records are completed with records of other stages at the same
    /// fixed parameters (the runner computes shared points once, under the first stage planning them).
    /// A stage where several parameters vary ("grid") is split: cutoff at the densest mesh, mesh at
    /// the highest cutoff, equation of state at both.
    public static func analyse(records all: [PointRecord], settings: AnalysisSettings = .init()) -> RecordsAnalysis {
        let records = latest(all).filter { !nonScanStages.contains($0.stage) }
        var out = RecordsAnalysis()
        var stages: [String] = []
        for r in records where !stages.contains(r.stage) { stages.append(r.stage) }
        func same(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(1, abs(x)) }
        func paramKey(_ r: PointRecord) -> String {
            "\(r.ecut_Ha)|\(r.kmesh)|\(r.kshift)|\(String(format: "%.6f", r.lattice_constant_angstrom))|\(r.smearing_width_Ha)"
        }
        /// The stage's records plus others matching on everything but `parameter` (a among the stage's).
        func completed(_ own: [PointRecord], _ parameter: ConvergenceParameter) -> [PointRecord] {
            var seen = Set(own.map(paramKey))
            var result = own
            let aValues = Set(own.map { String(format: "%.6f", $0.lattice_constant_angstrom) })
            guard let first = own.first else { return own }
            for r in records where !seen.contains(paramKey(r)) {
                let aOK = aValues.contains(String(format: "%.6f", r.lattice_constant_angstrom))
                let match: Bool
                switch parameter {
                case .cutoff: match = r.kmesh == first.kmesh && r.kshift == first.kshift && same(r.smearing_width_Ha, first.smearing_width_Ha) && aOK
                case .kmesh: match = same(r.ecut_Ha, first.ecut_Ha) && same(r.smearing_width_Ha, first.smearing_width_Ha) && aOK
                case .smearing: match = same(r.ecut_Ha, first.ecut_Ha) && r.kmesh == first.kmesh && aOK
                case .lattice:
                    let lo = own.map(\.lattice_constant_angstrom).min()!, hi = own.map(\.lattice_constant_angstrom).max()!
                    match = same(r.ecut_Ha, first.ecut_Ha) && r.kmesh == first.kmesh && same(r.smearing_width_Ha, first.smearing_width_Ha)
                        && r.lattice_constant_angstrom >= lo - 1e-9 && r.lattice_constant_angstrom <= hi + 1e-9
                case .none: match = false
                }
                if match { result.append(r); seen.insert(paramKey(r)) }
            }
            return result
        }
        func fitEOS(_ stage: String, _ recs: [PointRecord]) {
            do {
                out.eos = try EquationOfState(records: recs, rmsWarning: settings.eos_rms_warning_meV_per_atom)
                out.eosStage = stage
                out.eosError = nil
            } catch {
                out.eos = nil
                out.eosStage = stage
                out.eosError = "\(error)"
                out.warnings.append("\(stage): no equation of state: \(error)")
            }
        }
        for stage in stages {
            let own = records.filter { $0.stage == stage }
            let varying = [Set(own.map(\.ecut_Ha)).count > 1, Set(own.map(\.kmesh)).count > 1,
                           Set(own.map(\.smearing_width_Ha)).count > 1].filter { $0 }.count
            if varying > 1 {
                // a grid: one decision per parameter at the most converged values of the others
                let densest = own.map(\.kmesh).max { $0.reduce(1, *) < $1.reduce(1, *) }!
                let top = own.map(\.ecut_Ha).max()!
                let atDensest = own.filter { $0.kmesh == densest }
                let atTop = own.filter { same($0.ecut_Ha, top) }
                if Set(atDensest.map(\.ecut_Ha)).count > 1 {
                    out.decisions.append(.decide(stage: "\(stage): cutoff", records: atDensest, criteria: settings.criteria(for: stage), parameter: .cutoff))
                }
                if Set(atTop.map(\.kmesh)).count > 1 {
                    out.decisions.append(.decide(stage: "\(stage): k-mesh", records: atTop, criteria: settings.criteria(for: stage), parameter: .kmesh))
                }
                let both = atTop.filter { $0.kmesh == densest }
                if Set(both.map { latticeKey($0) }).count >= 5 { fitEOS("\(stage): lattice", both) }
                continue
            }
            // a runner's stage whose other points were computed (and journalled) by an earlier stage
            // varies nothing by itself: its name says what it scans
            var p = ConvergenceParameter.detect(own)
            if p == .none, let named = scannedByStageName[stage] { p = named }
            switch p {
            case .cutoff, .kmesh, .smearing:
                out.decisions.append(.decide(stage: stage, records: completed(own, p), criteria: settings.criteria(for: stage), parameter: p))
            case .lattice:
                fitEOS(stage, completed(own, .lattice))
            case .none:
                break
            }
        }
        return out
    }

    /// The recommended parameters: each from its decision, else `base` (the config or the final point).
    public static func recommend(analysis a: RecordsAnalysis, system: SystemDescription, baseEcut: Double, baseKmesh: [Int],
                                 baseKshift: [Int], records: [PointRecord], gap: BandsAndDOS.Gap?,
                                 settings: AnalysisSettings) -> RecommendedParameters {
        var sources: [String: String] = [:]
        var warnings = a.warnings
        var ecut = baseEcut, kmesh = baseKmesh
        if let d = a.decisions.last(where: { $0.parameter == .cutoff }), let r = d.rows.first(where: { $0.label == d.chosen }) {
            ecut = r.ecut_Ha
            sources["ecut"] = d.message
        } else {
            sources["ecut"] = "not scanned: \(shortNumber(baseEcut)) Ha from the config"
        }
        if let d = a.decisions.last(where: { $0.parameter == .kmesh }), let r = d.rows.first(where: { $0.label == d.chosen }) {
            kmesh = r.kmesh
            sources["kmesh"] = d.message
        } else {
            sources["kmesh"] = "not scanned: \(baseKmesh.map(String.init).joined(separator: "x")) from the config"
        }
        for d in a.decisions { warnings += d.warnings.map { "\(d.stage): \($0)" } }
        let kshift = records.first?.kshift ?? baseKshift
        // lattice: a0 of the fit when its minimum is inside the window, else the lowest scanned point
        var aRecommended = system.lattice_constant_angstrom
        var scale = 1.0
        if let eos = a.eos {
            let fit = eos.preferred
            if eos.minimum_inside_window {
                aRecommended = fit.a0_angstrom
                sources["lattice_constant"] = String(format: "a0 = %.4f Å ± %.4f Å (%@ fit of %d points, B0 = %.1f GPa)", fit.a0_angstrom,
                                                     fit.a0_uncertainty_angstrom ?? 0, fit.form.title, eos.points.count, fit.B0_GPa)
            } else {
                let lowest = eos.points.min { $0.energy_Ha < $1.energy_Ha }!
                aRecommended = lowest.lattice_constant_angstrom
                sources["lattice_constant"] = String(format: "a = %.4f Å, the lowest scanned energy: the fitted minimum is outside the window", aRecommended!)
            }
            warnings += eos.warnings.map { "\(a.eosStage ?? "lattice"): \($0)" }
            scale = pow(eos.volume_factor * pow(aRecommended! * Units.angstrom, 3) / system.volume_bohr3, 1.0 / 3)
        } else {
            sources["lattice_constant"] = system.lattice_constant_angstrom.map { String(format: "not fitted: %.4f Å from the config", $0) }
                ?? "not fitted: the config's cell"
        }
        if let a = aRecommended, let a0 = system.lattice_constant_angstrom { scale = a / a0 }
        let vectors = system.lattice_vectors_bohr.map { $0.map { $0 * scale } }
        return RecommendedParameters(system: system, ecut: ecut, kmesh: kmesh, kshift: kshift, latticeConstant: aRecommended,
                                     latticeVectorsBohr: vectors, eos: a.eos?.preferred, gap: gap, sources: sources,
                                     tolerances: settings.criteria, warnings: warnings, generatedAt: analysisTimestamp(), program: program)
    }

    /// The point config (and `analysis:` settings) of a run's config file: a one-point config or a
    /// scan config (its other sections are ignored here).
    public static func loadConfig(path: String) throws -> (Config, AnalysisSettings) {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("no config at \(path) (give --config)") }
        do {
            let doc = try ConfigDocument(contentsOf: path)
            let root = try doc.root().mapping(expected: "a mapping of sections")
            let cfg = try Config(document: doc, root: root)
            var settings = try root[AnalysisSettings.sectionKey].map { try AnalysisSettings.read($0) } ?? AnalysisSettings()
            // a scan config: its stage tolerances decide its stages
            if root["stages"] != nil, let scan = try? ScanConfig.load(path: path) { settings = AnalysisSettings(scan: scan, analysis: settings) }
            return (cfg, settings)
        } catch let e as ConfigError {
            throw InputError("\(e)")
        }
    }

    /// The outcome of `finish`.
    public struct Outcome: Sendable {
        public let document: AnalysisDocument
        /// The final point at the recommended parameters (for the journal), nil when not computed.
        public let finalRecord: PointRecord?
        /// Files written (rank 0; empty elsewhere).
        public let files: [String]
        /// The records the report shows: the given ones and the final point.
        public let records: [PointRecord]
    }

    /// What `finish` does about the final point.
    public enum FinalPoint: Sendable {
        /// Compute it (SCF on the group), then its bands and DOS.
        case compute
        /// Take a point computed before (a resumed run) and the bands and DOS computed with it, if kept.
        case reuse(PointRecord, BandsAndDOS?)
        /// No final point, for the reason given (a warning unless empty).
        case skip(String)
    }

    /// The final point of `records`' recommendation: its config (recommended cutoff, mesh and lattice
    /// constant applied to `config`) and its journal id (`final/ecut=…Ha,k=…,a=…Å`).
    public static func finalPoint(of rec: RecommendedParameters, config: Config) throws -> (config: Config, id: String) {
        var overrides = ConfigOverrides(ecut: "\(rec.ecut_Ha) Ha", kmesh: rec.kmesh.map(String.init).joined(separator: "x"))
        if let a = rec.lattice_constant_bohr, config.structure.latticeConstant != nil { overrides.a = "\(a) bohr" }
        let cfg: Config
        do { cfg = try config.applying(overrides) } catch { throw InputError("final point: \(error)") }
        let a = (cfg.structure.latticeConstant ?? SystemDescription(config: config).lattice_constant_angstrom.map { $0 * Units.angstrom } ?? 0)
            / Units.angstrom
        let id = "final/ecut=\(shortNumber(rec.ecut_Ha))Ha,k=\(rec.kmesh.map(String.init).joined(separator: "x")),a=\(String(format: "%.6g", a))Å"
        return (cfg, id)
    }

    /// The id of the final point `finish` would compute for `records` (what a resumed run looks up in its journal).
    public static func plannedFinalPointID(records: [PointRecord], config: Config, settings: AnalysisSettings) throws -> String {
        let rec = recommend(analysis: analyse(records: records, settings: settings), system: SystemDescription(config: config),
                            baseEcut: config.discretization.ecut, baseKmesh: config.discretization.kmesh,
                            baseKshift: config.discretization.kshift, records: records, gap: nil, settings: settings)
        return try finalPoint(of: rec, config: config).id
    }

    /// The end of a run: decisions and the equation of state, the final point at a0 with its bands
    /// and DOS (`.compute`: SCF on `group`, called by every rank of it with the same records; the other
    /// modes compute nothing and may be called by one rank), then, with `write`, on the group's rank 0:
    /// analysis.json, bands.csv, dos.csv, recommended.json, the ABINIT and QE snippets and report.html.
    /// `finalPoint` nil: `.compute` when `settings.final_point`, else skipped.
    public static func finish(runDirectory: String, records: [PointRecord], config: Config, settings: AnalysisSettings = .init(),
                              group: Communicator, provenance: [String: String] = [:], finalPoint mode: FinalPoint? = nil,
                              write writeFiles: Bool = true,
                              warmStart: ((_ ecut: Double, _ kmesh: [Int], _ a: Double?) -> Data?)? = nil) throws -> Outcome {
        let analysis = analyse(records: records, settings: settings)
        let system = SystemDescription(config: config)
        var rec = recommend(analysis: analysis, system: system, baseEcut: config.discretization.ecut,
                            baseKmesh: config.discretization.kmesh, baseKshift: config.discretization.kshift,
                            records: records, gap: nil, settings: settings)
        var warnings: [String] = []
        var finalRecord: PointRecord? = nil
        var bands: BandsAndDOS? = nil
        switch mode ?? (settings.final_point ? .compute : .skip("")) {
        case .skip(let reason):
            if !reason.isEmpty { warnings.append(reason) }
        case let .reuse(r, b):
            finalRecord = r
            bands = b
            if b == nil, r.status == .converged {
                warnings.append("the final point \(r.id) was computed by an earlier run whose bands and DOS were not kept")
            }
        case .compute:
            let (cfg, id) = try finalPoint(of: rec, config: config)
            let start = Date()
            var result: SCFResult? = nil
            var errorText: String? = nil
            var warmFrom: String? = nil
            do {
                // a scan's warm start (asked for on the group's first rank, the same on every rank)
                var frame = Data()
                if group.rank == 0, let w = warmStart?(cfg.discretization.ecut, cfg.discretization.kmesh, cfg.structure.latticeConstant) { frame = w }
                frame = try group.broadcast(frame)
                let warm = frame.isEmpty ? nil : try Frame.decode(Assignment.self, frame)
                let input = warm.flatMap { WarmStartInput($0.0, blobs: $0.1) }
                warmFrom = input?.from
                result = try PointCalculation(config: cfg, group: group).run(warmStart: input).result
            } catch {
                errorText = "\(error)"
            }
            let r = result
            let status: PointRecord.Status = r == nil ? .failed : (r!.converged ? .converged : .unconverged)
            let atoms = cfg.crystal.atoms.count
            let a = (cfg.structure.latticeConstant ?? system.lattice_constant_angstrom.map { $0 * Units.angstrom } ?? 0) / Units.angstrom
            finalRecord = PointRecord(
                id: id, stage: "final", ecut_Ha: rec.ecut_Ha, kmesh: rec.kmesh, kshift: cfg.discretization.kshift,
                lattice_constant_angstrom: a, smearing: system.smearing, smearing_width_Ha: system.smearing_width_Ha, status: status,
                free_energy_Ha: r?.freeEnergy, internal_energy_Ha: r?.internalEnergy,
                free_energy_per_atom_eV: r.map { $0.freeEnergy / Double(atoms) * Units.hartreeInEV }, fermi_level_Ha: r?.fermiLevel,
                gap_Ha: r?.gap?.gap, volume_bohr3: cfg.crystal.lattice.volume, atoms: atoms, n_irreducible_k: r?.kpoints.count,
                scf_iterations: r?.iterations, wall_time_s: Date().timeIntervalSince(start), ranks: group.size,
                host: ProcessInfo.processInfo.hostName,
                error: errorText ?? (status == .unconverged ? "not converged after \(r!.iterations) SCF iterations" : nil),
                warm_start_from: warmFrom, finished_at: analysisTimestamp())
            if let r, r.converged {
                let mesh = settings.dos_kmesh ?? rec.kmesh.map { 2 * $0 }
                do {
                    bands = try BandsAndDOS.compute(model: cfg.model, ecut: rec.ecut_Ha, fftGrid: r.fftGrid, density: r.density,
                                                    dosMesh: mesh, kshift: cfg.discretization.kshift, settings: settings,
                                                    distribution: { costs in try MPIKPointDistribution(group: group, costs: costs) })
                } catch {
                    warnings.append("bands and DOS failed: \(error)")
                }
            }
        }
        if let f = finalRecord, f.status != .converged {
            warnings.append("the final point \(f.id) \(f.status.rawValue)\(f.error.map { ": \($0)" } ?? ""): no bands or DOS")
        }
        if let g = bands?.gap {
            rec = recommend(analysis: analysis, system: system, baseEcut: config.discretization.ecut,
                            baseKmesh: config.discretization.kmesh, baseKshift: config.discretization.kshift,
                            records: records, gap: g, settings: settings)
        }
        var prov = provenance
        prov["program"] = prov["program"] ?? program
        prov["host"] = prov["host"] ?? ProcessInfo.processInfo.hostName
        prov["ranks"] = prov["ranks"] ?? "\(group.size)"
        if let f = config.file { prov["config_file"] = prov["config_file"] ?? f }
        let document = AnalysisDocument(generated_at: analysisTimestamp(), program: program, settings: settings, system: system,
                                        decisions: analysis.decisions, eos: analysis.eos, eos_stage: analysis.eosStage,
                                        eos_error: analysis.eosError, recommended: rec, final_point: finalRecord, bands: bands,
                                        warnings: warnings, provenance: prov)
        let shown = records.filter { $0.id != finalRecord?.id } + (finalRecord.map { [$0] } ?? [])
        var files: [String] = []
        if writeFiles, group.rank == 0 {
            files = try write(document: document, records: shown, runDirectory: runDirectory)
        }
        return Outcome(document: document, finalRecord: finalRecord, files: files, records: shown)
    }

    /// The previous analysis.json of a run directory, nil when absent; throws when it does not decode.
    public static func readDocument(runDirectory: String) throws -> AnalysisDocument? {
        let docPath = (runDirectory as NSString).appendingPathComponent(AnalysisDocument.file)
        guard let data = FileManager.default.contents(atPath: docPath) else { return nil }
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try d.decode(AnalysisDocument.self, from: data) } catch {
            throw InputError("\(docPath) does not decode: \(error)")
        }
    }

    /// Writes analysis.json, bands.csv, dos.csv, recommended.json, the snippets and report.html.
    @discardableResult
    public static func write(document: AnalysisDocument, records: [PointRecord], runDirectory: String,
                             recordsSource: String? = nil) throws -> [String] {
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (runDirectory as NSString).appendingPathComponent(name) }
        var files: [String] = []
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try e.encode(document).write(to: URL(fileURLWithPath: path(AnalysisDocument.file)), options: .atomic)
        files.append(path(AnalysisDocument.file))
        if let b = document.bands {
            try b.bandsCSV.write(toFile: path("bands.csv"), atomically: true, encoding: .utf8)
            try b.dosCSV.write(toFile: path("dos.csv"), atomically: true, encoding: .utf8)
            files += [path("bands.csv"), path("dos.csv")]
        }
        if let r = document.recommended {
            let pps = r.pseudopotentials.keys.sorted().compactMap { el in
                try? PseudopotentialLibrary.shared.lookup(element: el, spec: r.pseudopotentials[el]!)
            }
            files += try Export.write(r, to: runDirectory, pseudopotentials: pps)
        }
        let report = RunReport(document: document, records: records, metadata: RunRecords.metadata(runDirectory: runDirectory),
                               recordsSource: recordsSource, files: files.map { ($0 as NSString).lastPathComponent })
        try report.html().write(toFile: path(RunReport.file), atomically: true, encoding: .utf8)
        files.append(path(RunReport.file))
        return files
    }

    /// `preconv-mpi report`: re-reads the records (summary.json, else the journal or the shards' journals)
    /// and analysis.json, redoes the decisions and the equation of state, and rewrites the exports and report.html.
    @discardableResult
    public static func regenerate(runDirectory: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("\(runDirectory) is not a directory")
        }
        let loaded = try RunRecords.load(runDirectory: runDirectory)
        let previous = try readDocument(runDirectory: runDirectory)
        guard !loaded.records.isEmpty || previous != nil else {
            throw InputError("\(runDirectory) holds no point records (summary.json, journal.jsonl) and no \(AnalysisDocument.file)")
        }
        let settings = previous?.settings ?? AnalysisSettings()
        var records = latest(loaded.records)
        let final = previous?.final_point ?? records.last { $0.stage == "final" }
        if let f = final, !records.contains(where: { $0.id == f.id }) { records.append(f) }
        let analysis = analyse(records: records, settings: settings)
        var rec: RecommendedParameters? = nil
        if let system = previous?.system {
            rec = recommend(analysis: analysis, system: system,
                            baseEcut: final?.ecut_Ha ?? previous?.recommended?.ecut_Ha ?? records.first?.ecut_Ha ?? 0,
                            baseKmesh: final?.kmesh ?? previous?.recommended?.kmesh ?? records.first?.kmesh ?? [1, 1, 1],
                            baseKshift: final?.kshift ?? previous?.recommended?.kshift ?? [0, 0, 0],
                            records: records, gap: previous?.bands?.gap, settings: settings)
        }
        var warnings = previous?.warnings ?? []
        warnings += loaded.problems
        if previous == nil {
            warnings.append("no \(AnalysisDocument.file) in the run directory: no final point, bands, DOS or exports (they are computed at the end of a run)")
        }
        let document = AnalysisDocument(generated_at: analysisTimestamp(), program: program, settings: settings, system: previous?.system,
                                        decisions: analysis.decisions, eos: analysis.eos, eos_stage: analysis.eosStage,
                                        eos_error: analysis.eosError, recommended: rec, final_point: final, bands: previous?.bands,
                                        warnings: warnings, provenance: previous?.provenance ?? [:])
        return try write(document: document, records: records, runDirectory: runDirectory, recordsSource: loaded.source)
    }
}

/// Reading a run directory's point records without the runner's machinery.
public enum RunRecords {
    /// The records of `summary.json` (a list of records, or an object holding one under "points",
    /// "records" or "results"), else of `journal.jsonl`, else of the journals of shard subdirectories.
    public static func load(runDirectory: String) throws -> (records: [PointRecord], source: String, problems: [String]) {
        let fm = FileManager.default
        func path(_ name: String) -> String { (runDirectory as NSString).appendingPathComponent(name) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let data = fm.contents(atPath: path("summary.json")) {
            if let list = try? decoder.decode([PointRecord].self, from: data) { return (list, "summary.json", []) }
            guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw InputError("\(path("summary.json")) is not JSON")
            }
            if let dict = object as? [String: Any] {
                for key in ["points", "records", "results"] {
                    if let items = dict[key] as? [Any] {
                        var records: [PointRecord] = [], problems: [String] = []
                        for (i, item) in items.enumerated() {
                            if let d = try? JSONSerialization.data(withJSONObject: item),
                               let r = try? decoder.decode(PointRecord.self, from: d) { records.append(r) } else {
                                problems.append("summary.json \(key)[\(i)] is not a point record")
                            }
                        }
                        return (records, "summary.json", problems)
                    }
                }
            }
            throw InputError("\(path("summary.json")) holds no list of point records")
        }
        var journals: [String] = []
        if fm.fileExists(atPath: path("journal.jsonl")) {
            journals = [path("journal.jsonl")]
        } else if let entries = try? fm.contentsOfDirectory(atPath: runDirectory) {
            journals = entries.sorted().map { path($0 + "/journal.jsonl") }.filter { fm.fileExists(atPath: $0) }
        }
        var records: [PointRecord] = [], problems: [String] = []
        struct Line: Decodable { let record: PointRecord }
        for j in journals {
            guard let text = try? String(contentsOfFile: j, encoding: .utf8) else { continue }
            for (i, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
                if let l = try? decoder.decode(Line.self, from: Data(line.utf8)) { records.append(l.record) }
                else if let r = try? decoder.decode(PointRecord.self, from: Data(line.utf8)) { records.append(r) }
                else { problems.append("\((j as NSString).lastPathComponent) line \(i + 1) is not a point record (skipped)") }
            }
        }
        let source = journals.isEmpty ? "none" : journals.map { String($0.dropFirst(runDirectory.count).drop { $0 == "/" }) }.joined(separator: ", ")
        return (records, source, problems)
    }

    /// `metadata.json` as flat text pairs for the provenance table (nil if absent or unreadable).
    public static func metadata(runDirectory: String) -> [(String, String)]? {
        let p = (runDirectory as NSString).appendingPathComponent("metadata.json")
        guard let data = FileManager.default.contents(atPath: p),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        var out: [(String, String)] = []
        func text(_ v: Any) -> String {
            if let s = v as? String { return s }
            if let a = v as? [Any] { return a.map(text).joined(separator: " ") }
            if let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
                return String(decoding: d, as: UTF8.self)
            }
            return "\(v)"
        }
        for key in object.keys.sorted() where key != "invocations" { out.append((key, text(object[key]!))) }
        if let inv = object["invocations"] as? [[String: Any]] {
            for (i, one) in inv.enumerated() {
                for key in ["started", "commandLine", "ranks", "gitRevision", "shard", "configFile"] where one[key] != nil {
                    out.append(("invocation \(i + 1) \(key)", text(one[key]!)))
                }
                if let env = one["environment"] as? [String: Any] {
                    for key in ["host", "cpu", "cores"] where env[key] != nil { out.append(("invocation \(i + 1) \(key)", text(env[key]!))) }
                }
            }
        }
        return out
    }
}

/// ISO-8601 UTC time of now, as the analysis files record it.
func analysisTimestamp() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
}
