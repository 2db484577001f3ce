import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

/// The files of a run directory.
public struct RunDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var journal: String { file("journal.jsonl") }
    public var state: String { file("state.json") }
    public var metadata: String { file("metadata.json") }
    public var config: String { file("config.yaml") }
    public var log: String { file("preconv.log") }
    /// Monitoring events, one JSON object a line (`RunEvent`).
    public var events: String { file("events.jsonl") }
    public var lock: String { file(".lock") }
    public var summaryCSV: String { file("summary.csv") }
    public var summaryJSON: String { file("summary.json") }
    /// The end-of-run analysis (what `report` regenerates the page from).
    public var analysis: String { file(RunDirectory.analysisFile) }
    public var report: String { file(RunDirectory.reportFile) }
    public var recommended: String { file(RunDirectory.recommendedFile) }
    public var bandsCSV: String { file("bands.csv") }
    public var dosCSV: String { file("dos.csv") }
    public static let analysisFile = "analysis.json"
    public static let reportFile = "report.html"
    public static let recommendedFile = "recommended.json"
    public static let abinitFile = "abinit-snippet.abi"
    public static let qeFile = "qe-snippet.in"
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Files a run writes (what `--fresh` removes), the end-of-run analysis's included.
    public var runFiles: [String] {
        [journal, state, metadata, config, log, events, summaryCSV, summaryJSON, analysis, report, recommended,
         file(RunDirectory.abinitFile), file(RunDirectory.qeFile), bandsCSV, dosCSV]
    }

    /// True when the directory holds a run (journal or metadata).
    public var holdsRun: Bool {
        FileManager.default.fileExists(atPath: journal) || FileManager.default.fileExists(atPath: metadata)
    }
}
