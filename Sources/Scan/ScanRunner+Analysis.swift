import Foundation
import Doctor
import Reporting
import ParallelSCF
import RunStore
import Convergence
import Input
import Parallel

/// The end of a run: `RunAnalysis.finish` (decisions, equation of state, the final point at the
/// recommended parameters with its bands and DOS, analysis.json, the exports and report.html).
///
/// - Staged scans: when every stage decided and every point converged, the final point is computed
///   on the whole world, journalled by rank 0 (stage `final`, like any point: a resumed run reuses it,
///   `rerun --failed` recomputes it when it failed) and the files are written. A resumed run whose
///   earlier analysis files were not written (a full disk, a crash) computes the final point again,
///   since its bands and DOS need its density. Otherwise the files are
///   written without a final point and the reason is logged (`rerun --failed` then completes both).
/// - Grid scans have no final point (their shards and `collect` must agree with a whole run):
///   `preconv-mpi report <dir> --compute` computes it; an unsharded grid run still writes the
///   analysis of its points. A shard writes no analysis (it holds only part of the grid).
/// - A run stopped by a signal writes nothing: the resumed run does.
extension ScanRunner {
    struct AnalysisResult {
        /// False when the analysis failed or the final point did not converge (exit status 1).
        var succeeded = true
        /// What rank 0 prints after the verdict (where the report and recommended.json are).
        var lines: [String] = []
        /// The final point was interrupted by a stop signal (or one came before it): exit 3, resumable.
        var stopped = false
    }

    /// The final point's limits: `resources.timeout` (or a `point_overrides` entry of stage `final`),
    /// `resources.retry` and the run's stop flag, as for the scan's points.
    var finalPointLimits: PointLimits {
        let timeout = planner.scfParameters(for: planner.point(stage: "final", index: 0, ecut: config.base.discretization.ecut,
                                                               kmesh: config.base.discretization.kmesh, a: nil)).timeout
        return PointLimits(timeout: timeout, retry: config.resources.retry, stop: stop)
    }

    /// The analysis settings of the scan: its `analysis:` section and its stage tolerances.
    var analysisSettings: AnalysisSettings { AnalysisSettings(scan: config, analysis: config.analysis) }

    /// What rank 0 sends every rank to compute the final point with it.
    struct AnalysisRequest: Codable {
        var records: [PointRecord]
        /// The stages' chosen cutoff (Ha) and mesh.
        var ecut: Double
        var kmesh: [Int]
    }

    /// The scan's base point with the stages' chosen cutoff and mesh: what the analysis recommends
    /// where it has no decision of its own (e.g. a stage of one value, computed by an earlier stage).
    func analysisBase(ecut: Double, kmesh: [Int]) -> Config {
        (try? config.base.applying(ConfigOverrides(ecut: String(format: "%.17g Ha", ecut),
                                                   kmesh: kmesh.map(String.init).joined(separator: "x")))) ?? config.base
    }

    var analysisProvenance: [String: String] {
        ["command": options.commandLine.joined(separator: " "), "run_directory": directory, "ranks": "\(world.size)"]
    }

    /// Rank 0, after the stages. Never throws for the analysis itself (it is logged, and what can be
    /// written is written); only when the world cannot be told to compute the final point.
    func finishRun(stopped: Bool, allConverged: Bool) throws -> AnalysisResult {
        if stopped || stop.isSet {
            logger.notice("analysis: not run (the run was stopped); it runs when the run resumes")
            return AnalysisResult(stopped: true)
        }
        if let s = options.shard {
            logger.notice("analysis: not run for shard \(s[0])/\(s[1]) (part of the grid): 'preconv-mpi collect' the shards, then 'preconv-mpi report <dir> --compute'")
            return AnalysisResult()
        }
        let settings = analysisSettings
        let scanRecords = records.filter { !RunAnalysis.nonScanStages.contains($0.stage) }
        let base = analysisBase(ecut: choices.ecut, kmesh: choices.kmesh)
        var mode = RunAnalysis.FinalPoint.skip("")
        var result = AnalysisResult()
        if !settings.final_point {
            logger.notice("analysis: no final point (analysis.final_point: false)")
        } else if config.mode == .grid {
            mode = .skip("grid mode: no final point; 'preconv-mpi report <run-dir> --compute' computes it")
        } else if !allConverged {
            mode = .skip("no final point: some stage did not decide or some point did not converge; "
                         + "'preconv-mpi rerun --failed' completes the scan and then computes it")
        } else {
            do {
                let id = try RunAnalysis.plannedFinalPointID(records: scanRecords, config: base, settings: settings)
                if let previous = finalRecords[id] {
                    let stored = try? RunAnalysis.readDocument(runDirectory: directory)
                    let bands = stored?.final_point?.id == id ? stored?.bands : nil
                    if previous.status == .converged, bands == nil {
                        // bands and DOS need the final point's density, which only its SCF gives
                        mode = .compute
                        let why = "analysis: final point \(id) was computed by an earlier run whose bands and DOS were not kept "
                            + "(analysis.json missing or without them); computing the final point again for them"
                        logger.warning("\(why)")
                    } else {
                        mode = .reuse(previous, bands)
                        logger.notice("analysis: final point \(id) already computed (\(previous.status.rawValue)); not recomputed")
                    }
                } else {
                    mode = .compute
                }
            } catch {
                logger.error("analysis: no final point: \(error)")
                mode = .skip("no final point: \(error)")
                result.succeeded = false
            }
        }
        if case let .skip(reason) = mode, !reason.isEmpty, result.succeeded { logger.notice("analysis: \(reason)") }
        var outcome: RunAnalysis.Outcome? = nil
        do {
            if case .compute = mode {
                logger.notice("analysis: computing the final point at the recommended parameters, its bands and DOS on \(world.size) rank(s)")
                events?.append(RunEvent(kind: .point_started, stage: "final", message: "the final point at the recommended parameters, its bands and DOS"))
                _ = try broadcast(Header(analysis: AnalysisRequest(records: scanRecords, ecut: choices.ecut, kmesh: choices.kmesh)))
                watchdog?.arm(Watchdog.finalPoint, label: "the world (\(world.size) rank(s)) computing the final point", point: nil)
            }
            var limits = finalPointLimits
            limits.progress = { [weak watchdog] in watchdog?.beat(Watchdog.finalPoint) }
            // the bands and DOS after it are not watched (no heartbeat there)
            limits.finished = { [weak watchdog] in watchdog?.disarm(Watchdog.finalPoint) }
            outcome = try RunAnalysis.finish(runDirectory: directory, records: scanRecords, config: base, settings: settings,
                                             group: world, provenance: analysisProvenance, finalPoint: mode, write: false,
                                             limits: limits, warmStart: { [self] ecut, kmesh, a in
                                                 options.warmStart ? try? warmStore.assignment(for: planner.point(stage: "final", index: 0, ecut: ecut, kmesh: kmesh, a: a)) : nil
                                             })
        } catch {
            logger.error("analysis failed: \(error); the scan's results are in \(dir.summaryCSV)")
            result.succeeded = false
            // what can be written without the final point
            outcome = try? RunAnalysis.finish(runDirectory: directory, records: scanRecords, config: base, settings: settings,
                                              group: world, provenance: analysisProvenance,
                                              finalPoint: .skip("the analysis failed: \(error)"), write: false)
        }
        watchdog?.disarm(Watchdog.finalPoint)
        guard let outcome else { return result }
        if case .compute = mode, let f = outcome.finalRecord {
            do { try journal.append(f) } catch {
                storageFailed("the journal", error)
                result.stopped = true
                return result
            }
            records.append(f)
            finalRecords[f.id] = f
            computedPoints += 1
            totalIterations += f.scf_iterations ?? 0
            let line = String(format: "[final] %@  %@  %@ it  %.2f s%@", f.id, f.free_energy_Ha.map { String(format: "F %.10f Ha", $0) } ?? "F —",
                              f.scf_iterations.map(String.init) ?? "—", f.wall_time_s,
                              f.status == .converged ? "" : "  \(f.status.rawValue.uppercased()): \(f.error ?? "")")
            clearBar()
            out(line)
            logger.info("\(line)")
            events?.append(RunEvent(kind: .point_finished, stage: "final", point: f.id, status: f.status.rawValue, message: f.error,
                                    free_energy_Ha: f.free_energy_Ha, wall_time_s: f.wall_time_s, peak_memory_MiB: f.peak_memory_MiB))
            if let forces = outcome.document.recommended?.final_point_forces {
                out("[final] \(forces.text)")
                logger.info("[final] \(forces.text)")
            }
        }
        if let f = outcome.finalRecord, f.status != .converged { result.succeeded = false }
        if case .compute = mode, outcome.finalRecord?.status == .interrupted {
            // stopped during the final point: no analysis files (the resumed run computes the final point again)
            logger.notice("analysis: the final point was interrupted; it is computed when the run resumes")
            result.stopped = true
            return result
        }
        let skipped: String? = if case let .skip(reason) = mode { reason } else { nil }
        for w in outcome.document.warnings where w != skipped { logger.warning("analysis: \(w)") }
        do {
            let files = try RunAnalysis.write(document: outcome.document, records: outcome.records, runDirectory: directory)
            logger.info("analysis: wrote \(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))")
            result.lines.append("report: \(dir.report)")
            if let r = outcome.document.recommended {
                result.lines.append("recommended parameters: \(dir.recommended) (\(Self.recommendationText(r)))")
                if let c = r.crystal { result.lines.append("crystal: \(c.text)") }
                if let h = r.lattice_stage_held_fixed { result.lines.append("held fixed: \(h)") }
            }
            result.lines += Self.equationOfStateLines(outcome.document.eos)
        } catch {
            logger.error("analysis: writing its files failed: \(error); the scan's results are in \(dir.summaryCSV)")
            result.succeeded = false
        }
        return result
    }

    /// Rank 0, at a stage end while later stages remain: report.html from the records so far, marked
    /// in progress (no final point, no other file). A failure is logged; the run goes on.
    func writeProgressReport(decided: [String], next: String) {
        let scanRecords = records.filter { !RunAnalysis.nonScanStages.contains($0.stage) }
        do {
            let outcome = try RunAnalysis.finish(runDirectory: directory, records: scanRecords,
                                                 config: analysisBase(ecut: choices.ecut, kmesh: choices.kmesh), settings: analysisSettings,
                                                 group: world, provenance: analysisProvenance, finalPoint: .skip(""), write: false)
            let report = RunReport(document: outcome.document, records: outcome.records, metadata: RunRecords.metadata(runDirectory: directory),
                                   inProgress: "stage(s) \(decided.joined(separator: ", ")) decided, stage \(next) next")
            try writeAtomically(Data(report.html().utf8), to: dir.report)
        } catch {
            logger.warning("report: the in-progress page could not be written: \(error)")
        }
    }

    /// Every other rank: the final point's SCF, bands and DOS with rank 0 (which writes the files).
    func followAnalysis(_ request: AnalysisRequest) {
        _ = try? RunAnalysis.finish(runDirectory: directory, records: request.records,
                                    config: analysisBase(ecut: request.ecut, kmesh: request.kmesh), settings: analysisSettings,
                                    group: world, provenance: analysisProvenance, finalPoint: .compute, write: false,
                                    limits: finalPointLimits)
    }

    /// The pressure check and the verification against the reference EOS, one line each (none without them).
    static func equationOfStateLines(_ eos: EquationOfState?) -> [String] {
        var lines: [String] = []
        if let c = eos?.pressure_check {
            lines.append(String(format: "pressure check: max |P(stress) − (−dE/dV)| = %.3f GPa (mean %+.3f GPa, tolerance %.3g GPa)%@",
                                c.max_abs_difference_GPa, c.mean_difference_GPa, c.tolerance_GPa, c.passed ? "" : ": NOT consistent"))
        }
        if let v = eos?.verification {
            lines.append(String(format: "verification (ACWF) against V0 = %.4f Å³/atom, B0 = %.2f GPa, B1 = %.3f: Δ = %.3f meV/atom, ν = %.3f (%@), ε = %.4f (%@)",
                                v.reference.V0_angstrom3_per_atom, v.reference.B0_GPa, v.reference.B1, v.delta_meV_per_atom,
                                v.nu, v.nu_rating, v.epsilon, v.epsilon_rating))
        }
        return lines
    }

    /// "ecut 14 Ha, k-mesh 4x4x4, a = 5.7341 Å, B0 = 60.1 GPa, gap 0.52 eV"
    static func recommendationText(_ r: RecommendedParameters) -> String {
        var parts = ["ecut \(shortNumber(r.ecut_Ha)) Ha", "k-mesh \(r.kmesh.map(String.init).joined(separator: "x"))"]
        if let a = r.lattice_constant_angstrom { parts.append(String(format: "a = %.4f Å", a)) }
        if let v = r.equilibrium_volume_angstrom3_per_atom { parts.append(String(format: "V0 = %.4f Å³/atom", v)) }
        if let b = r.bulk_modulus_GPa { parts.append(String(format: "B0 = %.1f GPa", b)) }
        if let g = r.gap_eV { parts.append(String(format: "gap %.3f eV", g)) }
        if r.metallic == true { parts.append("metallic (no gap)") }
        return parts.joined(separator: ", ")
    }
}
