import Foundation
import Input

/// One pseudopotential file a run used, as `metadata.json` lists it (`pseudopotentialFiles`):
/// `{"element": "Si", "file": "/…/Si.psp8", "sha256": "…", "format": "psp8"}`.
///
/// Contract: `file` is the resolved path the config selected (`pseudopotentials.files` or
/// `.directory`), `sha256` the lower-case hex SHA-256 of its bytes when the run started (the same
/// checksum as in the physics identity), `format` "psp8" or "upf".
public struct PseudopotentialFileRecord: Codable, Sendable, Equatable {
    public var element: String
    public var file: String
    public var sha256: String
    public var format: String

    public init(element: String, file: String, sha256: String, format: String) {
        self.element = element; self.file = file; self.sha256 = sha256; self.format = format
    }

    public init(_ f: PseudopotentialFile) {
        self.init(element: f.element, file: f.path, sha256: f.sha256,
                  format: f.format.rawValue)
    }

    /// The records of every file `config` reads, by element; empty when every element uses a GTH table.
    public static func records(of config: Config) -> [PseudopotentialFileRecord] {
        config.pseudopotentialFiles.keys.sorted().map { PseudopotentialFileRecord(config.pseudopotentialFiles[$0]!) }
    }
}
