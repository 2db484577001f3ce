import Bindings
import Convergence
import Foundation
import Input
import PlaneWave
import RunStore

extension RunAnalysis {
    /// The previous analysis.json of a run directory, nil when absent; throws when it does not decode.
    public static func readDocument(runDirectory: String) throws -> AnalysisDocument? {
        let docPath = RunDirectory(runDirectory).analysis
        guard let data = FileManager.default.contents(atPath: docPath) else { return nil }
        do { return try JSONCoding.decoder().decode(AnalysisDocument.self, from: data) } catch {
            throw InputError("\(docPath) does not decode: \(error)")
        }
    }

    /// Writes analysis.json, bands.csv, dos.csv, recommended.json, the snippets and report.html.
    @discardableResult
    public static func write(document: AnalysisDocument, records: [PointRecord], runDirectory: String,
                             recordsSource: String? = nil) throws -> [String] {
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let dir = RunDirectory(runDirectory)
        var files: [String] = []
        try JSONCoding.encoder(pretty: true).encode(document).write(to: URL(fileURLWithPath: dir.analysis), options: .atomic)
        files.append(dir.analysis)
        if let b = document.bands {
            try b.bandsCSV.write(toFile: dir.bandsCSV, atomically: true, encoding: .utf8)
            try b.dosCSV.write(toFile: dir.dosCSV, atomically: true, encoding: .utf8)
            files += [dir.bandsCSV, dir.dosCSV]
        }
        if let r = document.recommended {
            // GTH species only: species read from files are named by their path in the snippets
            let pps = r.pseudopotentials.keys.sorted().filter { r.pseudopotential_files?[$0] == nil }.compactMap { el in
                try? PseudopotentialLibrary.shared.lookup(element: el, spec: r.pseudopotentials[el]!)
            }
            files += try Export.write(r, to: runDirectory, pseudopotentials: pps)
        }
        let report = RunReport(document: document, records: records, metadata: RunRecords.metadata(runDirectory: runDirectory),
                               recordsSource: recordsSource, files: files.map { ($0 as NSString).lastPathComponent })
        try report.html().write(toFile: dir.report, atomically: true, encoding: .utf8)
        files.append(dir.report)
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
            throw InputError("\(runDirectory) holds no point records (summary.json, journal.jsonl) and no \(RunDirectory.analysisFile)")
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
        warnings += loaded.problems.filter { !warnings.contains($0) }   // a regeneration does not repeat them
        if previous == nil {
            warnings.append("no \(RunDirectory.analysisFile) in the run directory: no final point, bands, DOS or exports (they are computed at the end of a run)")
        }
        let document = AnalysisDocument(generated_at: Timestamp.now(), program: program, settings: settings, system: previous?.system,
                                        decisions: analysis.decisions, eos: analysis.eos, eos_stage: analysis.eosStage,
                                        eos_error: analysis.eosError, recommended: rec, final_point: final, bands: previous?.bands,
                                        warnings: warnings, provenance: previous?.provenance ?? [:])
        return try write(document: document, records: records, runDirectory: runDirectory, recordsSource: loaded.source)
    }
}

