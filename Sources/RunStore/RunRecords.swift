import Bindings
import Convergence
import Foundation
import Input

/// Reading a run directory's point records without the runner's machinery.
public enum RunRecords {
    /// The records of `summary.json` (a list of records, or an object holding one under "points",
    /// "records" or "results"), else of `journal.jsonl`, else of the journals of shard subdirectories.
    public static func load(runDirectory: String) throws -> (records: [PointRecord], source: String, problems: [String]) {
        let fm = FileManager.default
        let dir = RunDirectory(runDirectory)
        let decoder = JSONCoding.decoder()
        if let data = fm.contents(atPath: dir.summaryJSON) {
            if let list = try? decoder.decode([PointRecord].self, from: data) { return (list, "summary.json", []) }
            guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw InputError("\(dir.summaryJSON) is not JSON")
            }
            if let dict = object as? [String: Any] {
                for key in ["points", "records", "results"] {
                    if let items = dict[key] as? [Any] {
                        var records: [PointRecord] = [], problems: [String] = []
                        for (i, item) in items.enumerated() {
                            if let d = try? JSONSerialization.data(withJSONObject: item),
                               let r = try? decoder.decode(PointRecord.self, from: d) { records.append(r) } else {
                                problems.append("summary.json \(key)[\(i)] is not a point record")
                            }
                        }
                        return (records, "summary.json", problems)
                    }
                }
            }
            throw InputError("\(dir.summaryJSON) holds no list of point records")
        }
        // the journal, else the shards' journals: read as `run` reads them (every line's checksum checked)
        var journals: [String] = []
        if fm.fileExists(atPath: dir.journal) {
            journals = [dir.journal]
        } else if let entries = try? fm.contentsOfDirectory(atPath: runDirectory) {
            journals = entries.sorted().map { RunDirectory(dir.file($0)).journal }.filter { fm.fileExists(atPath: $0) }
        }
        var records: [PointRecord] = [], problems: [String] = []
        for j in journals {
            let read = Journal.read(path: j)
            records += read.records
            let name = String(j.dropFirst(runDirectory.count).drop { $0 == "/" })
            problems += read.problems.map { "\(name): \($0) (skipped)" }
        }
        let source = journals.isEmpty ? "none" : journals.map { String($0.dropFirst(runDirectory.count).drop { $0 == "/" }) }.joined(separator: ", ")
        return (records, source, problems)
    }

    /// `metadata.json` as flat text pairs for the provenance table (nil if absent or unreadable).
    public static func metadata(runDirectory: String) -> [(String, String)]? {
        let p = RunDirectory(runDirectory).metadata
        guard let data = FileManager.default.contents(atPath: p),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        var out: [(String, String)] = []
        // as people read them: "key value, key value", lists separated by "; " when they hold mappings
        func text(_ v: Any) -> String {
            if let s = v as? String { return s }
            if let d = v as? [String: Any] { return d.keys.sorted().map { "\($0) \(text(d[$0]!))" }.joined(separator: ", ") }
            if let a = v as? [Any] { return a.map(text).joined(separator: a.contains { $0 is [String: Any] } ? "; " : " ") }
            return "\(v)"
        }
        // the physics identity, the pseudopotential files and the CIF's cells have rows of their own in the summary
        let shownElsewhere: Set<String> = ["invocations", "physics", "pseudopotentialFiles", "structureCIF"]
        for key in object.keys.sorted() where !shownElsewhere.contains(key) { out.append((key, text(object[key]!))) }
        if let inv = object["invocations"] as? [[String: Any]] {
            for (i, one) in inv.enumerated() {
                for key in ["started", "commandLine", "ranks", "gitRevision", "shard", "configFile"] where one[key] != nil {
                    out.append(("invocation \(i + 1) \(key)", text(one[key]!)))
                }
                if let env = one["environment"] as? [String: Any] {
                    for key in ["host", "cpu", "cores"] where env[key] != nil { out.append(("invocation \(i + 1) \(key)", text(env[key]!))) }
                }
            }
        }
        return out
    }
}
