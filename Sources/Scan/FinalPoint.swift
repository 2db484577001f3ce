import Bindings
import Convergence
import Foundation
import Doctor
import Reporting
import Input
import Parallel
import ParallelSCF
import PlaneWave
import RunStore

extension RunAnalysis {
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

    /// The end of a run: decisions and the equation of state, the final point at a0 with its bands
    /// and DOS (`.compute`: SCF on `group`, called by every rank of it with the same records; the other
    /// modes compute nothing and may be called by one rank), then, with `write`, on the group's rank 0:
    /// analysis.json, bands.csv, dos.csv, recommended.json, the ABINIT and QE snippets and report.html.
    /// `finalPoint` nil: `.compute` when `settings.final_point`, else skipped. `limits`: the final
    /// point's SCF runs under them as a scan's points do (deadline, stop flag, retry; an interrupted
    /// final point gets no bands and DOS); nil: no deadline, no retry.
    public static func finish(runDirectory: String, records: [PointRecord], config: Config, settings: AnalysisSettings = .init(),
                              group: Communicator, provenance: [String: String] = [:], finalPoint mode: FinalPoint? = nil,
                              write writeFiles: Bool = true, limits: PointLimits? = nil,
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
            var outcome: PointLimits.Outcome? = nil
            var errorText: String? = nil
            var warmFrom: String? = nil
            do {
                // a scan's warm start (asked for on the group's first rank, the same on every rank)
                var frame = Data()
                if group.rank == 0, let w = warmStart?(cfg.discretization.ecut, cfg.discretization.kmesh, cfg.structure.latticeConstant) { frame = w }
                frame = try group.broadcast(frame)
                let warm = frame.isEmpty ? nil : try Frame.decode(Assignment.self, frame)
                let calc = try PointCalculation(model: cfg.model, discretization: cfg.discretization, group: group,
                                                warmStart: warm.flatMap { WarmStart($0.0, blobs: $0.1) })
                warmFrom = calc.warmStartFrom
                if var limits {
                    limits.hang = PointLimits.hangs(id)
                    outcome = try limits.run(calc, parameters: cfg.scf, started: start)
                } else {
                    let r = try calc.run(parameters: cfg.scf).result
                    outcome = PointLimits.Outcome(result: r, status: r.converged ? .converged : .unconverged,
                                                  error: r.converged ? nil : r.stall.map { "not converged: \($0.message)" }
                                                      ?? "not converged after \(r.iterations) SCF iterations",
                                                  iterations: r.iterations)
                }
            } catch {
                errorText = "\(error)".replacingNewlines()
            }
            let r = outcome?.result
            let status: PointRecord.Status = outcome?.status ?? .failed
            let a = cfg.structure.latticeConstant ?? system.lattice_constant_angstrom.map { $0 * Units.angstrom } ?? 0
            finalRecord = PointRecord(
                id: id, stage: "final", ecut: rec.ecut_Ha, kmesh: rec.kmesh, kshift: cfg.discretization.kshift, latticeConstant: a,
                volume: cfg.crystal.lattice.volume, atoms: cfg.crystal.atoms.count, smearing: cfg.smearing, status: status,
                result: r, scfIterations: outcome?.iterations,
                error: errorText ?? outcome?.error,
                wallTime: Date().timeIntervalSince(start), ranks: group.size, warmStartFrom: warmFrom)
            if let r, status == .converged {
                let mesh = settings.dos_kmesh ?? rec.kmesh.map { 2 * $0 }
                do {
                    bands = try BandsAndDOS.compute(model: cfg.model, ecut: rec.ecut_Ha, fftGrid: r.fftGrid, xcGrid: r.xcGrid, density: r.density,
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
        // the forces at the final point: is the structure relaxed?
        if let f = finalRecord, let forces = FinalPointForces(record: f, elements: config.crystal.atoms.map(\.species),
                                                              threshold: settings.forceWarning) {
            rec.final_point_forces = forces
            if let w = forces.warning {
                warnings.append(w)
                rec.warnings.append(w)
            }
        }
        var prov = provenance
        prov["program"] = prov["program"] ?? program
        prov["host"] = prov["host"] ?? ProcessInfo.processInfo.hostName
        prov["ranks"] = prov["ranks"] ?? "\(group.size)"
        if let f = config.file { prov["config_file"] = prov["config_file"] ?? f }
        let document = AnalysisDocument(generated_at: Timestamp.now(), program: program, settings: settings, system: system,
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

}
