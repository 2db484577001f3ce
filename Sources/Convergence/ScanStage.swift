import Foundation
import Input
import PlaneWave

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
/// decision from their results. (The end-of-run analysis, `RunAnalysis`, decides from the records with
/// the same rule.)
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
