import Bindings
import Foundation
import Input
import PlaneWave

/// The analysis of a run's point records and its end-of-run work (final point at a0, bands, DOS,
/// exports, report).
public enum RunAnalysis {
    public static let program = Program.title
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
            out.warnings += MomentCollapse.warnings(recs.filter { $0.status == .converged }, parameter: .lattice).map { "\(stage): \($0)" }
            do {
                var eos = try EquationOfState(records: recs, rmsWarning: settings.eos_rms_warning_meV_per_atom,
                                              pressureTolerance: settings.eosPressureTolerance_GPa)
                if let reference = settings.reference_eos {
                    eos.verification = EOSVerification(fit: eos.preferred, atoms: eos.atoms, reference: reference)
                }
                out.eos = eos
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
                // each with its own stage's criteria (a grid scan's `stages.cutoff` and `stages.kmesh` tolerances)
                func criteria(_ part: String) -> ConvergenceCriteria {
                    settings.stage_criteria["\(stage): \(part)"] ?? settings.criteria(for: stage)
                }
                if Set(atDensest.map(\.ecut_Ha)).count > 1 {
                    out.decisions.append(.decide(stage: "\(stage): cutoff", records: atDensest, criteria: criteria("cutoff"), parameter: .cutoff))
                }
                if Set(atTop.map(\.kmesh)).count > 1 {
                    out.decisions.append(.decide(stage: "\(stage): k-mesh", records: atTop, criteria: criteria("k-mesh"), parameter: .kmesh))
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
        var kspacing: Double? = nil
        if let d = a.decisions.last(where: { $0.parameter == .kmesh }), let r = d.rows.first(where: { $0.label == d.chosen }) {
            kmesh = r.kmesh
            sources["kmesh"] = d.message
            kspacing = settings.kmesh_spacings_per_bohr?[r.kmesh.map(String.init).joined(separator: "x")]
            if let s = kspacing {
                sources["kspacing"] = String(format: "the largest scanned k-point spacing giving %@ for the scanned cell: %.4g 1/Å = %.4g 1/bohr "
                                             + "(N_i = max(1, ceil(|b_i|/spacing)))",
                                             r.kmesh.map(String.init).joined(separator: "x"), KSpacing.perAngstrom(s), s)
            }
        } else {
            sources["kmesh"] = "not scanned: \(baseKmesh.map(String.init).joined(separator: "x")) from the config"
        }
        for d in a.decisions { warnings += d.warnings.map { "\(d.stage): \($0)" } }
        // metallic: a converged record at the recommended cutoff and mesh (the final point among them)
        // is metallic, or, without one, any converged record is
        let converged = records.filter { $0.status == .converged }
        let atChoice = converged.filter { $0.kmesh == kmesh && abs($0.ecut_Ha - ecut) < 1e-9 }
        let metal = (atChoice.isEmpty ? converged : atChoice).first { $0.isMetallic }
        if let m = metal {
            sources["metallic"] = "bands cross the Fermi level at \(m.id) (no gap; see BandCharacter)"
        }
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
        // scan points at more than one lattice constant: a lattice stage (or a grid over a) rescaled the cell
        let scanLattice = Set(records.filter { !nonScanStages.contains($0.stage) }.map { ($0.lattice_constant_angstrom * 1e6).rounded() })
        let latticeScanned = a.eos != nil || scanLattice.count > 1
        return RecommendedParameters(system: system, ecut: ecut, kmesh: kmesh, kshift: kshift, latticeConstant: aRecommended,
                                     latticeVectorsBohr: vectors, eos: a.eos?.preferred, gap: gap, sources: sources,
                                     tolerances: StageTolerances(Dictionary(a.decisions.map { ($0.stage, $0.tolerances ?? settings.criteria(for: $0.stage)) },
                                                                             uniquingKeysWith: { $1 })),
                                     warnings: warnings, generatedAt: Timestamp.now(), program: program, kspacing: kspacing,
                                     metallic: metal != nil, latticeScanned: latticeScanned)
    }

    /// The point config (and `analysis:` settings) of a run's config file: a one-point config or a
    /// scan config (its other sections are ignored here).
    public static func loadConfig(path: String) throws -> (Config, AnalysisSettings) {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("no config at \(path) (give --config)") }
        let doc = try ConfigDocument(contentsOf: path)
        let root = try doc.root().mapping(expected: "a mapping of sections")
        let cfg = try Config(document: doc, root: root)
        var settings = try root[AnalysisSettings.sectionKey].map { try AnalysisSettings.read($0) } ?? AnalysisSettings()
        // a scan config: its stage tolerances decide its stages
        if root["stages"] != nil, let scan = try? ScanConfig.load(path: path) { settings = AnalysisSettings(scan: scan, analysis: settings) }
        return (cfg, settings)
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

}
