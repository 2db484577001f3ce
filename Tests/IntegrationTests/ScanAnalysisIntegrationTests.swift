import Foundation
import Testing

/// What the tests read of analysis.json and recommended.json.
struct AnalysisJSON: Decodable {
    struct Fit: Decodable { let form: String; let a0_angstrom: Double; let E0_Ha: Double; let B0_GPa: Double }
    struct EOS: Decodable { let fits: [Fit]; let minimum_inside_window: Bool; let points: [[String: Double]] }
    struct Final: Decodable {
        let id: String; let stage: String; let status: String; let free_energy_Ha: Double?
        let lattice_constant_angstrom: Double; let ecut_Ha: Double; let kmesh: [Int]
    }
    struct Bands: Decodable { struct Gap: Decodable { let gap_eV: Double }; let gap: Gap? }
    let eos: EOS?
    let final_point: Final?
    let bands: Bands?
    let warnings: [String]

    var birchMurnaghan: Fit? { eos?.fits.first { $0.form.hasPrefix("birch-murnaghan") } ?? eos?.fits.first }
}

struct RecommendedJSON: Decodable {
    let ecut_Ha: Double
    let ecut_Ry: Double
    let kmesh: [Int]
    let lattice_constant_angstrom: Double?
    let bulk_modulus_GPa: Double?
    let gap_eV: Double?
}

func decodeJSON<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The numbers of a CSV file's data rows (header skipped), as many as parse per row.
func csvNumbers(_ path: String) throws -> [[Double]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
        line.split(separator: ",", omittingEmptySubsequences: false).compactMap { Double($0) }
    }
}

/// The numbers after `key` (and an optional `=`) on the snippet line that starts with it.
func snippetNumbers(_ text: String, _ key: String) -> [Double]? {
    for line in text.split(separator: "\n") {
        let words = line.replacingOccurrences(of: "=", with: " ").split(separator: " ")
        if words.first.map(String.init) == key { return words.dropFirst().compactMap { Double($0) } }
    }
    return nil
}

/// The journal line of a record body, as the runner writes it (SHA-256 of the body by `sha256sum`).
func journalLine(body: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["sha256sum"]
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try p.run()
    input.fileHandleForWriting.write(Data(body.utf8))
    try input.fileHandleForWriting.close()
    let hex = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
    p.waitUntilExit()
    return "{\"sha256\":\"\(hex)\",\"record\":\(body)}"
}

extension ScanIntegration {
    /// `run` ends with the analysis: the final point at a0 (journalled as stage "final"), bands, DOS,
    /// report.html, recommended.json and the snippets, with the stages' numbers; a second `run` reuses
    /// the final point; a failed final point is recomputed by `rerun --failed` and nothing else.
    @Test func runEndsWithTheAnalysisAndResumesWithoutRecomputingIt() throws {
        let d = scratchDirectory("analysis")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let args = ["run", gaasFast, "--set", "output.directory=\(d)", "--set", "stages.cutoff.values=[14 Ha, 16 Ha]",
                    "--set", "stages.kmesh.values=[2, 4]",
                    "--set", "analysis={bands: {points: 20}, dos: {kmesh: 3x3x3, broadening: 0.2 eV}}"]
        let out = try Preconv.run(ranks: 2, args, timeout: 600)
        #expect(out.status == 0, "exit \(out.status): \(out.stderr)")
        #expect(out.stdout.contains("report: \(d)/report.html"), "\(out.stdout)")
        #expect(out.stdout.contains("recommended parameters: \(d)/recommended.json"), "\(out.stdout)")
        for f in ["report.html", "recommended.json", "analysis.json", "bands.csv", "dos.csv", "qe-snippet.in", "abinit-snippet.abi"] {
            #expect(FileManager.default.fileExists(atPath: d + "/" + f), "\(f) missing")
        }
        // the journal: one final record, last
        let ids = try journalIDs(d)
        let finals = ids.filter { $0.hasPrefix("final/") }
        #expect(finals.count == 1 && ids.last == finals.first, "\(ids)")

        // events.jsonl: one JSON object a line, from run_started to run_finished, a started and a
        // finished event for every computed point (scan points with their stage progress and ETA)
        let eventLines = try String(contentsOfFile: d + "/events.jsonl", encoding: .utf8).split(separator: "\n")
        let events = try eventLines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)") }
        let kinds = events.map { $0["kind"] as? String ?? "?" }
        #expect(kinds.first == "run_started" && kinds.last == "run_finished" && events.last?["status"] as? String == "done", "\(kinds)")
        let finished = events.filter { $0["kind"] as? String == "point_finished" }
        #expect(finished.map { $0["point"] as? String ?? "" } == ids, "every journalled point has its event, in order")
        #expect(kinds.filter { $0 == "point_started" }.count == ids.count)
        for e in finished where e["stage"] as? String != "final" {
            #expect(e["eta_run_s"] is Double && e["done"] is Int && e["total"] is Int && e["status"] as? String == "converged", "\(e)")
            #expect((e["peak_memory_MiB"] as? Double ?? 0) > 10 && e["time"] is String, "\(e)")
        }
        #expect(kinds.filter { $0 == "stage_started" }.count == 3 && kinds.filter { $0 == "stage_decided" }.count == 3, "\(kinds)")
        // `status --watch` on a finished run: the status, its last events, exit 0 at once
        let watched = try Preconv.run(ranks: nil, ["status", d, "--watch", "--interval", "0.2"], timeout: 60)
        #expect(watched.status == 0 && watched.stdout.contains("run done: done:"), "exit \(watched.status): \(watched.stdout)\n\(watched.stderr)")

        // the stages' choices are the recommendation
        let summary = try ScanSummaryJSON.read(d)
        let choices = try #require(summary.choices)
        let rec = try decodeJSON(RecommendedJSON.self, d + "/recommended.json")
        #expect(rec.ecut_Ha == choices.ecut && rec.kmesh == choices.kmesh, "recommended \(rec.ecut_Ha) Ha \(rec.kmesh) vs stages \(choices)")
        #expect(abs(rec.ecut_Ry - 2 * rec.ecut_Ha) < 1e-12)
        #expect(summary.points.contains { $0.stage == "final" && $0.status == "converged" }, "summary.json lists the final point")

        // the final point sits at the fitted a0 with the recommended cutoff and mesh, and F agrees with the fit
        let analysis = try decodeJSON(AnalysisJSON.self, d + "/analysis.json")
        let final = try #require(analysis.final_point)
        let fit = try #require(analysis.birchMurnaghan)
        #expect(analysis.eos?.minimum_inside_window == true && (analysis.eos?.points.count ?? 0) >= 5)
        #expect(final.stage == "final" && final.status == "converged" && final.id == finals.first)
        #expect(final.ecut_Ha == rec.ecut_Ha && final.kmesh == rec.kmesh)
        #expect(abs(final.lattice_constant_angstrom - fit.a0_angstrom) < 1e-9, "final a \(final.lattice_constant_angstrom) vs a0 \(fit.a0_angstrom)")
        #expect(final.id.contains(String(format: "a=%.6gÅ", fit.a0_angstrom)), "\(final.id)")
        #expect(abs((rec.lattice_constant_angstrom ?? 0) - fit.a0_angstrom) < 1e-9)
        if let window = choices.latticeWindowAngstrom {
            #expect(fit.a0_angstrom > window[0] && fit.a0_angstrom < window[1], "a0 \(fit.a0_angstrom) outside \(window)")
        }
        let f = try #require(final.free_energy_Ha)
        #expect(f.isFinite && abs(f - fit.E0_Ha) < 2e-4, "F(a0) \(f) Ha vs fitted E0 \(fit.E0_Ha) Ha")
        #expect(fit.B0_GPa > 40 && fit.B0_GPa < 100, "B0 \(fit.B0_GPa) GPa")
        #expect(rec.bulk_modulus_GPa.map { abs($0 - fit.B0_GPa) < 1e-9 } == true)
        let gap = try #require(analysis.bands?.gap?.gap_eV)
        #expect(gap > 0 && gap < 2 && rec.gap_eV == gap, "gap \(gap) eV")

        // bands and DOS have data; the snippets and the page carry the recommended numbers
        let bands = try csvNumbers(d + "/bands.csv"), dos = try csvNumbers(d + "/dos.csv")
        #expect(bands.count >= 15 && bands.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isFinite) }, "\(bands.count) band rows")
        #expect(dos.count >= 50 && (dos.last?.last ?? 0) >= 8 - 1e-6, "DOS rows \(dos.count), integrated \(dos.last ?? [])")
        let qe = try String(contentsOfFile: d + "/qe-snippet.in", encoding: .utf8)
        #expect(snippetNumbers(qe, "ecutwfc") == [rec.ecut_Ry], "\(qe)")
        #expect(qe.contains("K_POINTS automatic\n  \(rec.kmesh.map(String.init).joined(separator: " ")) 0 0 0"), "\(qe)")
        let abinit = try String(contentsOfFile: d + "/abinit-snippet.abi", encoding: .utf8)
        #expect(snippetNumbers(abinit, "ecut") == [rec.ecut_Ha] && snippetNumbers(abinit, "ngkpt") == rec.kmesh.map(Double.init), "\(abinit)")
        let html = try String(contentsOfFile: d + "/report.html", encoding: .utf8)
        #expect(html.contains(final.id) && html.contains(String(format: "a0 = %.4f Å", fit.a0_angstrom)))

        // one rule, stated alike: every stage's console line, analysis.json, recommended.json and the report
        // carry the same decision and the stage's own tolerance (20 and 10 meV/atom, not the 1 meV/atom default)
        struct Tolerance: Decodable { let energy_eV_per_atom: Double }
        struct Decisions: Decodable {
            struct Decision: Decodable { let stage: String; let message: String; let tolerances: Tolerance? }
            let decisions: [Decision]
        }
        struct Stated: Decodable { let tolerances: [String: Tolerance]; let sources: [String: String] }
        let decisions = try decodeJSON(Decisions.self, d + "/analysis.json").decisions
        let stated = try decodeJSON(Stated.self, d + "/recommended.json")
        for (stage, parameter, tolerance) in [("cutoff", "ecut", 20.0), ("kmesh", "kmesh", 10.0)] {
            let decision = try #require(decisions.first { $0.stage == stage }, "no \(stage) decision in analysis.json")
            let console = out.stdout.split(separator: "\n").first { $0.contains("stage \(stage) done in") }
            #expect(console?.hasSuffix(": " + decision.message) == true, "console: \(console ?? "none"); analysis: \(decision.message)")
            #expect(abs((decision.tolerances?.energy_eV_per_atom ?? 0) * 1000 - tolerance) < 1e-9)
            #expect(abs((stated.tolerances[stage]?.energy_eV_per_atom ?? 0) * 1000 - tolerance) < 1e-9, "\(stated.tolerances)")
            #expect(stated.sources[parameter] == decision.message, "recommended.json: \(stated.sources[parameter] ?? "none")")
            let section = try #require(html.range(of: "<h3>\(stage)</h3>").map { String(html[$0.upperBound...].prefix(1500)) })
            #expect(section.contains(">\(decision.message)</p>"), "report: \(section.prefix(400))")
            #expect(section.contains("Criteria: |ΔE| ≤ \(Int(tolerance)) meV/atom"), "report: \(section.prefix(600))")
        }

        let status = try Preconv.run(ranks: nil, ["status", d])
        #expect(status.stdout.contains("final point: \(final.id) converged") && status.stdout.contains("report: \(d)/report.html"),
                "\(status.stdout)")

        // a second run computes nothing: the final point is reused, the page rewritten
        try FileManager.default.removeItem(atPath: d + "/report.html")
        let again = try Preconv.run(ranks: 2, args, timeout: 300)
        #expect(again.status == 0, "exit \(again.status): \(again.stderr)")
        #expect(again.stdout.contains("0 point(s) computed") && again.stderr.contains("not recomputed"), "\(again.stdout)\n\(again.stderr)")
        #expect(try journalIDs(d) == ids, "the journal changed")
        let reused = try decodeJSON(AnalysisJSON.self, d + "/analysis.json")
        #expect(reused.final_point?.free_energy_Ha == f && reused.bands?.gap?.gap_eV == gap, "bands and DOS kept")
        #expect(FileManager.default.fileExists(atPath: d + "/report.html"))

        // an earlier run whose analysis files could not be written (e.g. a full disk) kept no bands
        // and DOS: the resumed run computes the final point again for them, nothing else
        try FileManager.default.removeItem(atPath: d + "/analysis.json")
        let missing = try Preconv.run(ranks: 2, args, timeout: 300)
        #expect(missing.status == 0, "exit \(missing.status): \(missing.stderr)")
        #expect(missing.stderr.contains("bands and DOS were not kept") && missing.stdout.contains("1 point(s) computed"),
                "\(missing.stdout)\n\(missing.stderr)")
        #expect(try journalIDs(d) == ids + [final.id], "only the final point was computed again")
        let restored = try decodeJSON(AnalysisJSON.self, d + "/analysis.json")
        #expect(abs((restored.final_point?.free_energy_Ha ?? .nan) - f) < 1e-8)
        #expect(abs((restored.bands?.gap?.gap_eV ?? .nan) - gap) < 1e-5, "bands and DOS computed again (the SCF converged to its tolerance, from another start)")
        let withFinal = ids + [final.id]

        // a failed final point: `status` says so, `rerun --failed` recomputes it and nothing else
        let journal = d + "/journal.jsonl"
        let lastLine = try #require(try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").last)
        let body = String(try #require(lastLine.range(of: "\"record\":").map { lastLine[$0.upperBound..<lastLine.index(before: lastLine.endIndex)] }))
        let failedBody = body.replacingOccurrences(of: "\"status\":\"converged\"", with: "\"status\":\"failed\"")
        #expect(failedBody != body)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((try journalLine(body: failedBody) + "\n").utf8))
        try handle.close()
        let failedStatus = try Preconv.run(ranks: nil, ["status", d])
        #expect(failedStatus.stdout.contains("final point: \(final.id) failed") && failedStatus.stdout.contains("FAILED"), "\(failedStatus.stdout)")
        let rerun = try Preconv.run(ranks: 2, ["rerun", "--failed", d], timeout: 300)
        #expect(rerun.status == 0, "exit \(rerun.status): \(rerun.stderr)")
        let after = try journalIDs(d)
        #expect(after.count == withFinal.count + 2 && after.last == final.id, "rerun computed \(after.dropFirst(withFinal.count + 1))")
        let recomputed = try decodeJSON(AnalysisJSON.self, d + "/analysis.json")
        #expect(recomputed.final_point?.status == "converged")
        #expect(abs((recomputed.final_point?.free_energy_Ha ?? .nan) - f) < 1e-8, "recomputed F \(recomputed.final_point?.free_energy_Ha ?? .nan) vs \(f)")
    }
}
