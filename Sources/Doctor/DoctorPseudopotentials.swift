import Bindings
import Foundation
import Input
import Parallel

/// The pseudopotentials a config selects (`doctor --config PATH`, a one-point or scan config): the
/// config is read as a run reads it, so every file it names or finds in `pseudopotentials.directory`
/// must exist, parse and match `functional`.
///
/// Contract: FAIL with the config's one-line `InputError` (field, file, problem) when it does not
/// load; WARN when it loads with a pseudopotential warning (a functional mismatch let through by
/// `allow_functional_mismatch`, a GTH family fitted for another functional); else PASS, the value
/// listing each element's file and SHA-256 prefix, or its GTH table.
public struct PseudopotentialsCheck: DoctorCheck {
    public let name = "pseudopotentials"
    /// The config file.
    public let config: String

    public init(config: String) { self.config = config }

    public func run(on comm: Communicator) throws -> DoctorResult { assess() }

    /// The check itself (no MPI).
    public func assess() -> DoctorResult {
        let loaded: Config
        do {
            let document = try ConfigDocument(contentsOf: config)
            loaded = try Config(document: document, root: try Config.root(of: document, allowing: ScanConfig.topLevelKeys))
        } catch {
            return fail(config, "\(error)".replacingNewlines())
        }
        let value = loaded.crystal.species.map { s in
            if let f = loaded.pseudopotentialFiles[s] { return "\(s) \(f.path) sha256:\(f.sha256.prefix(12))…" }
            return "\(s) \(loaded.pseudopotentialLabel(s))"
        }.joined(separator: ", ")
        let warnings = loaded.warnings.filter { $0.hasPrefix("pseudopotentials") }
        guard warnings.isEmpty else { return warn(value, warnings.joined(separator: "; ")) }
        return pass(value, "every file matches functional \(loaded.functional.name)")
    }
}
