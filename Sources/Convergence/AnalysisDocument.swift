import Foundation
import Input

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
}
