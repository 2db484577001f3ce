import Foundation
import Input
import PlaneWave

/// One point of a scan: a stage and the parameters of its SCF.
public struct ScanPoint: Codable, Sendable, Hashable {
    /// `stage/ecut=…Ha,k=…,a=…Å` (the journal's `id`).
    public var id: String
    public var stage: String
    /// Position within the stage in parameter order (for `point_overrides`).
    public var index: Int
    public var ecut: Double
    public var kmesh: [Int]
    public var kshift: [Int]
    /// Conventional lattice constant (bohr); nil = the structure as given (no `a`).
    public var a: Double?
    /// Estimated relative cost (see `ScanCostModel`).
    public var cost: Double
    /// Irreducible k-points (from the cost model).
    public var irreducibleK: Int

    /// The parameters without the stage: two stages planning the same parameters share one SCF.
    public init(id: String, stage: String, index: Int, ecut: Double, kmesh: [Int], kshift: [Int], a: Double?, cost: Double,
                irreducibleK: Int) {
        self.id = id; self.stage = stage; self.index = index; self.ecut = ecut; self.kmesh = kmesh; self.kshift = kshift
        self.a = a; self.cost = cost; self.irreducibleK = irreducibleK
    }

    public var key: String { ScanPoint.key(ecut: ecut, kmesh: kmesh, kshift: kshift, a: a) }

    public static func key(ecut: Double, kmesh: [Int], kshift: [Int], a: Double?) -> String {
        var s = "ecut=\(formatNumber(ecut))Ha,k=\(kmesh.map(String.init).joined(separator: "x"))"
        if kshift != [0, 0, 0] { s += ",shift=\(kshift.map(String.init).joined(separator: ""))" }
        if let a { s += ",a=\(formatNumber(a / Units.angstrom))Å" }
        return s
    }

    /// The parameter text for progress lines: `ecut 12 Ha, k 2x2x2, a 5.653 Å`.
    public var parameters: String {
        var s = "ecut \(formatNumber(ecut)) Ha, k \(kmesh.map(String.init).joined(separator: "x"))"
        if let a { s += ", a \(String(format: "%.4f", a / Units.angstrom)) Å" }
        return s
    }
}

/// `%.10g` without trailing noise: 12, 12.5, 5.653.
public func formatNumber(_ x: Double) -> String {
    var s = String(format: "%.10g", x)
    if s.contains("e") { return s }
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}

/// What the stages decided so far; later stages plan their points from these.
public struct StageChoices: Codable, Sendable, Equatable {
    /// Cutoff (Ha).
    public var ecut: Double
    public var kmesh: [Int]
    /// Lattice constant the cutoff and k-mesh stages run at (bohr); nil = the structure as given.
    public var a: Double?
    /// Lowest and highest lattice constant of the E(a) stage (Å) and the one with the lowest energy.
    public var latticeWindowAngstrom: [Double]?
    public var latticeMinimumAngstrom: Double?
    /// Further values for stages plugged in later (e.g. an equation-of-state fit).
    public var extra: [String: Double] = [:]

    public init(ecut: Double, kmesh: [Int], a: Double?) {
        self.ecut = ecut; self.kmesh = kmesh; self.a = a
    }
}

/// The outcome of a stage's decision.
public struct StageDecision: Codable, Sendable, Equatable {
    public var stage: String
    /// One line: what was chosen and why.
    public var summary: String
    /// False when the stage could not decide (e.g. its reference point failed): the run stops there.
    public var decided: Bool
    public var warnings: [String] = []
    /// The convergence decision behind it (cutoff and k-mesh stages): the same the report and
    /// recommended.json state.
    public var convergence: ConvergenceDecision? = nil
}

/// The results of a stage's points as its decision sees them: by parameter key, the latest record.
public typealias StageResults = [String: PointRecord]

/// A stage of a scan: a plan of points, a way to run them (dispatch order, early stopping) and a
/// decision from their results. The analysis stages (equation of state, final point, bands) plug in here.
public protocol ScanStage: Sendable {
    var name: String { get }
    /// Every point of the stage, planned up front from the choices so far.
    func plan(_ choices: StageChoices, planner: ScanPlanner) throws -> [ScanPoint]
    /// Dispatch largest cost first (default) or in parameter order (stages that stop early).
    var dispatchInParameterOrder: Bool { get }
    /// Keys of points that are no longer needed given the results so far (early stopping).
    func unneeded(_ points: [ScanPoint], results: StageResults) -> Set<String>
    /// The decision once every needed point has a result; updates `choices`.
    func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision
}

extension ScanStage {
    public var dispatchInParameterOrder: Bool { false }
    public func unneeded(_ points: [ScanPoint], results: StageResults) -> Set<String> { [] }
}

/// Builds points (ids, costs) from the base config.
public struct ScanPlanner: Sendable {
    public let config: ScanConfig
    public init(config: ScanConfig) { self.config = config }

    var base: Config { config.base }

    public func point(stage: String, index: Int, ecut: Double, kmesh: [Int], a: Double?) -> ScanPoint {
        let kshift = base.discretization.kshift
        let key = ScanPoint.key(ecut: ecut, kmesh: kmesh, kshift: kshift, a: a)
        let (cost, nk) = ScanCostModel.cost(config: base, ecut: ecut, kmesh: kmesh, a: a)
        return ScanPoint(id: "\(stage)/\(key)", stage: stage, index: index, ecut: ecut, kmesh: kmesh, kshift: kshift,
                         a: a, cost: cost, irreducibleK: nk)
    }

    /// The stages of the config, in order.
    public func stages() -> [any ScanStage] {
        let c = config
        if c.mode == .grid {
            return [GridStage(ecuts: c.cutoff?.values ?? [base.discretization.ecut],
                              kmeshes: c.kmesh?.values ?? [c.cutoff?.kmesh ?? base.discretization.kmesh],
                              lattice: c.lattice?.values)]
        }
        // the criteria the end-of-run analysis decides with: one rule for the stages and the recommendation
        let settings = AnalysisSettings(scan: c, analysis: c.analysis)
        var s: [any ScanStage] = []
        if let cut = c.cutoff { s.append(CutoffStage(spec: cut, criteria: settings.criteria(for: "cutoff"))) }
        if let k = c.kmesh { s.append(KMeshStage(spec: k, criteria: settings.criteria(for: "kmesh"))) }
        if let l = c.lattice { s.append(LatticeStage(spec: l)) }
        return s
    }

    /// Choices before any stage: the basis of the config (the cutoff stage's mesh if there is one).
    public func initialChoices() -> StageChoices {
        StageChoices(ecut: base.discretization.ecut, kmesh: config.cutoff?.kmesh ?? base.discretization.kmesh,
                     a: base.structure.latticeConstant)
    }

    /// The SCF settings of a point: the config's, with its `point_overrides`.
    public func scfParameters(for p: ScanPoint) -> (SCFParameters, timeout: Double) {
        var scf = base.scf
        var timeout = config.resources.timeout
        for o in config.pointOverrides where o.stage == p.stage && (o.index == nil || o.index == p.index) {
            if let n = o.maxIterations { scf.maxIterations = n }
            if let d = o.damping { scf.mixingDamping = d }
            if let t = o.timeout { timeout = t }
        }
        return (scf, timeout)
    }
}

/// Relative cost of a point: irreducible k × bands × N log N with N the plane waves per k-point
/// (the FFT-dominated H application of LOBPCG).
public enum ScanCostModel {
    public static func cost(config: Config, ecut: Double, kmesh: [Int], a: Double?) -> (Double, Int) {
        var volume = config.crystal.lattice.volume
        if let a, let a0 = config.structure.latticeConstant { volume *= pow(a / a0, 3) }
        let npw = max(1, volume * pow(2 * ecut, 1.5) / (6 * Double.pi * Double.pi))
        let nk = MonkhorstPack.kpoints(crystal: config.crystal, mesh: kmesh, shift: config.discretization.kshift,
                                       useSymmetry: config.discretization.useSymmetry).count
        let nocc = Double((config.electronCount + 1) / 2)
        let bands = config.discretization.bands.map(Double.init) ?? (config.smearing == .none ? nocc + max(2, nocc / 4) : nocc + max(6, nocc / 4))
        return (Double(nk) * bands * npw * log2(npw + 1), nk)
    }

    /// Sizes of the groups a stage's world is split into: one group per point while ranks are
    /// scarce, otherwise equal shares, so that every rank works while points remain.
    public static func groupSizes(ranks: Int, points: [ScanPoint], ranksPerPoint: Int?) -> [Int] {
        let groups: Int
        if let r = ranksPerPoint {
            groups = max(1, ranks / min(r, ranks))
        } else {
            groups = max(1, min(ranks, points.count))
        }
        return (0..<groups).map { g in (g + 1) * ranks / groups - g * ranks / groups }
    }
}

// MARK: the standard stages

/// Cutoff at a fixed mesh, decided by the one rule of the run (`ConvergenceDecision.decide` with the
/// stage's criteria, the analysis' gap and B0 criteria included): the smallest cutoff from which every
/// converged cutoff is within tolerance of the highest one. The highest cutoff (and its energy
/// difference, when asked) must have converged: without its reference the stage cannot decide.
public struct CutoffStage: ScanStage {
    public let spec: ScanConfig.CutoffStage
    public let criteria: ConvergenceCriteria
    public var name: String { "cutoff" }

    /// `criteria` nil: the stage's own tolerances alone.
    public init(spec: ScanConfig.CutoffStage, criteria: ConvergenceCriteria? = nil) {
        self.spec = spec
        self.criteria = criteria ?? spec.criteria()
    }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        var points: [ScanPoint] = []
        for e in spec.values {
            points.append(planner.point(stage: name, index: points.count, ecut: e, kmesh: spec.kmesh, a: c.a))
            for a in spec.differenceLattice ?? [] where a != c.a {
                points.append(planner.point(stage: name, index: points.count, ecut: e, kmesh: spec.kmesh, a: a))
            }
        }
        return points
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        func converged(_ e: Double, _ a: Double?) -> Bool {
            points.first { $0.ecut == e && $0.a == a }.flatMap { results[$0.key] }?.status == .converged
        }
        let top = spec.values.last!
        guard converged(top, choices.a) else {
            return StageDecision(stage: name, summary: "the highest cutoff \(formatNumber(top)) Ha did not converge: no reference to judge convergence",
                                 decided: false)
        }
        if let dl = spec.differenceLattice, !dl.allSatisfy({ converged(top, $0) }) {
            return StageDecision(stage: name, summary: "the energy difference at the highest cutoff \(formatNumber(top)) Ha is missing (a point failed)",
                                 decided: false)
        }
        let d = ConvergenceDecision.decide(stage: name, records: points.compactMap { results[$0.key] }, criteria: criteria,
                                           parameter: .cutoff)
        choices.ecut = d.chosen_ecut_Ha ?? top
        return StageDecision(stage: name, summary: d.message, decided: true, warnings: d.warnings, convergence: d)
    }
}

/// k-mesh at the chosen cutoff, meshes in ascending order, decided by the same rule as the cutoff
/// (`ConvergenceDecision.decide` against the densest mesh computed). Stops early: once the meshes
/// computed so far, in order, converge by that rule, the denser ones are not needed.
public struct KMeshStage: ScanStage {
    public let spec: ScanConfig.KMeshStage
    public let criteria: ConvergenceCriteria
    public var name: String { "kmesh" }
    public var dispatchInParameterOrder: Bool { true }

    /// `criteria` nil: the stage's own tolerance alone.
    public init(spec: ScanConfig.KMeshStage, criteria: ConvergenceCriteria? = nil) {
        self.spec = spec
        self.criteria = criteria ?? spec.criteria()
    }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        spec.values.enumerated().map { planner.point(stage: name, index: $0.offset, ecut: c.ecut, kmesh: $0.element, a: c.a) }
    }

    func decision(_ records: [PointRecord]) -> ConvergenceDecision {
        ConvergenceDecision.decide(stage: name, records: records, criteria: criteria, parameter: .kmesh)
    }

    public func unneeded(_ points: [ScanPoint], results: StageResults) -> Set<String> {
        let done = points.prefix { results[$0.key] != nil }   // undecidable beyond the first missing result
        guard done.count >= 2, done.count < points.count, decision(done.compactMap { results[$0.key] }).converged else { return [] }
        return Set(points[done.count...].map(\.key))
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        let records = points.compactMap { results[$0.key] }
        guard let last = points.last(where: { results[$0.key]?.status == .converged }) else {
            return StageDecision(stage: name, summary: "no k-mesh converged", decided: false)
        }
        let d = decision(records)
        choices.kmesh = d.chosen_kmesh ?? last.kmesh
        return StageDecision(stage: name, summary: d.message, decided: true, warnings: d.warnings, convergence: d)
    }
}

/// E(a) at the chosen cutoff and mesh; decides the lattice window and its lowest-energy point.
/// (The equation-of-state fit is a later stage.)
public struct LatticeStage: ScanStage {
    public let spec: ScanConfig.LatticeStage
    public var name: String { "lattice" }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        spec.values.enumerated().map { planner.point(stage: name, index: $0.offset, ecut: c.ecut, kmesh: c.kmesh, a: $0.element) }
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        let converged = points.compactMap { p -> (Double, Double)? in
            guard let r = results[p.key], r.status == .converged, let f = r.free_energy_Ha, let a = p.a else { return nil }
            return (a / Units.angstrom, f)
        }
        guard let lowest = converged.min(by: { $0.1 < $1.1 }) else {
            return StageDecision(stage: name, summary: "no lattice constant converged", decided: false)
        }
        let window = [spec.values.first! / Units.angstrom, spec.values.last! / Units.angstrom]
        choices.latticeWindowAngstrom = window
        choices.latticeMinimumAngstrom = lowest.0
        var warnings: [String] = []
        if converged.count < 3 { warnings.append("lattice: only \(converged.count) converged lattice constants; an equation-of-state fit needs at least 3") }
        let edge = lowest.0 == converged.map(\.0).min()! || lowest.0 == converged.map(\.0).max()!
        if edge && converged.count > 1 {
            warnings.append(String(format: "lattice: the lowest energy is at the edge of the window (a = %.4f Å); shift or widen stages.lattice", lowest.0))
        }
        return StageDecision(stage: name, summary: String(format: "lattice window %.4f…%.4f Å, lowest E at a = %.4f Å", window[0], window[1], lowest.0),
                             decided: true, warnings: warnings)
    }
}

/// Grid mode: every combination of cutoff, mesh and lattice constant, no dependencies.
public struct GridStage: ScanStage {
    public let ecuts: [Double]
    public let kmeshes: [[Int]]
    public let lattice: [Double]?
    public var name: String { "grid" }

    public func plan(_ c: StageChoices, planner: ScanPlanner) throws -> [ScanPoint] {
        var points: [ScanPoint] = []
        let avalues: [Double?] = lattice.map { $0.map { Optional($0) } } ?? [c.a]
        for e in ecuts { for k in kmeshes { for a in avalues {
            points.append(planner.point(stage: name, index: points.count, ecut: e, kmesh: k, a: a))
        } } }
        return points
    }

    public func decide(_ points: [ScanPoint], results: StageResults, choices: inout StageChoices) -> StageDecision {
        let n = points.filter { results[$0.key]?.status == .converged }.count
        return StageDecision(stage: name, summary: "grid: \(n) of \(points.count) points converged", decided: true)
    }
}
