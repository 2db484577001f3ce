import Foundation
import Testing

/// Metals are reported as metallic, with no gap, in every output; a semiconductor keeps its gap.
/// k-point spacings drive a scan's k-mesh stage end to end.
@Suite(.serialized) struct MetalIntegration {
    static let alYAML = """
        name: al-fcc
        structure:
          lattice: {bravais: fcc, a: 4.05 Å}
          atoms:
            - {species: Al, position: [0, 0, 0]}
        pseudopotentials: {family: GTH-PBE}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 8 Ha, kmesh: 4x4x4}
        scf: {energy_tolerance: 1e-8 Ha, max_iterations: 80}
        """
    /// bcc Fe, GTH-PBE q16, small cutoff and mesh: band 9's minimum lies below band 8's maximum.
    static let feYAML = """
        name: fe-bcc
        structure:
          lattice: {bravais: bcc, a: 2.87 Å}
          atoms:
            - {species: Fe, position: [0, 0, 0]}
        pseudopotentials: {family: GTH-PBE, valence: {Fe: 16}}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 15 Ha, kmesh: 2x2x2}
        scf: {energy_tolerance: 1e-8 Ha, max_iterations: 80}
        """

    static func write(_ text: String, _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Every number printed after "gap" in `text` (none may be negative).
    static func gapNumbers(_ text: String) -> [Double] {
        let re = try! NSRegularExpression(pattern: "gap[^0-9\\n-]{0,40}(-?[0-9]+\\.[0-9]+)")
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { Double(ns.substring(with: $0.range(at: 1))) }
    }

    /// The fields of one CSV line (quoted fields may hold commas; "" is a quote).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
        }
        fields.append(field)
        return fields
    }

    @Test(arguments: [("al", "3 electrons (odd)"), ("fe", "bands 8 and 9 overlap")])
    func scfReportsAMetal(_ system: String, _ reason: String) throws {
        let path = try Self.write(system == "al" ? Self.alYAML : Self.feYAML, system)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: nil, ["scf", path, "--json"], timeout: 300)
        #expect(out.status == 0, "\(out.stderr)")
        let j = try Self.json(out.stdout)
        #expect(j["metallic"] as? Bool == true, "\(system)")
        #expect(j.keys.contains("gap_Ha") && j["gap_Ha"] is NSNull, "\(system): gap_Ha must be null, got \(String(describing: j["gap_Ha"]))")
        #expect(j.keys.contains("gap") && j["gap"] is NSNull)
        #expect((j["metallic_reason"] as? String)?.contains(reason) == true, "\(String(describing: j["metallic_reason"]))")
        let text = try Preconv.run(ranks: nil, ["scf", path], timeout: 300)
        #expect(text.status == 0)
        #expect(text.stdout.contains("gap                none: metallic (\(reason)"), "\(text.stdout)")
        #expect(Self.gapNumbers(text.stdout).isEmpty, "\(text.stdout)")
    }

    /// `basis.kmesh: {spacing: …}` through `scf`: fcc Al a = 4.05 Å, |b| = 2π√3/a = 2.687 1/Å, 0.6 1/Å → 4.48 → 5x5x5.
    @Test func scfWithASpacing() throws {
        let path = try Self.write(Self.alYAML.replacingOccurrences(of: "kmesh: 4x4x4", with: "kmesh: {spacing: 0.6 1/Å}"), "al-spacing")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: nil, ["scf", path, "--json"], timeout: 300)
        #expect(out.status == 0, "\(out.stderr)")
        let j = try Self.json(out.stdout)
        #expect(j["kmesh"] as? [Int] == [5, 5, 5] && abs((j["kmesh_spacing_per_angstrom"] as? Double ?? 0) - 0.6) < 1e-12, "\(j["kmesh"] ?? "")")
        let bad = try Self.write(Self.alYAML.replacingOccurrences(of: "kmesh: 4x4x4", with: "kmesh: {spacing: 0.6 Å}"), "al-bad")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let err = try Preconv.run(ranks: nil, ["scf", bad])
        #expect(err.status == 2 && err.stderr.split(separator: "\n").count == 1, "\(err.stderr)")
        #expect(err.stderr.contains("basis.kmesh.spacing") && err.stderr.contains("'0.6 Å'") && err.stderr.contains("1/bohr, 1/Å"))
    }

    @Test func gaasKeepsItsGap() throws {
        let gaas = packageRoot.appendingPathComponent("config/gaas-pbe.yaml").path
        let out = try Preconv.run(ranks: nil, ["scf", gaas, "--json", "--ecut", "10Ha", "--kmesh", "2x2x2"], timeout: 300)
        #expect(out.status == 0, "\(out.stderr)")
        let j = try Self.json(out.stdout)
        #expect(j["metallic"] as? Bool == false && j["metallic_reason"] is NSNull)
        let gap = try #require(j["gap_Ha"] as? Double)
        #expect(gap > 0.01 && gap < 0.05, "GaAs PBE gap at Γ \(gap) Ha")
    }

    /// A staged Al scan whose k-mesh stage is given as spacings, and a Fe cutoff scan: the journal's
    /// records are metallic without a gap, the summary and report say so, the gap criterion is skipped
    /// with its reason, and recommended.json gives the mesh with its spacing.
    @Test func scanRecordsOfMetals() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("metal-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // fcc Al a = 4.05 Å: |b| = 2π√3/a = 2.687 1/Å → 0.6: 4.48 → 5, 0.55: 4.89 → 5, 0.4: 6.72 → 7, 0.3: 8.96 → 9
        let scan = Self.alYAML + """

            stages:
              cutoff: {values: [6 Ha, 8 Ha], kmesh: 4x4x4, tolerance: 100 meV/atom}
              kmesh: {values: [0.6 1/Å, 0.55 1/Å, 0.4 1/Å, 0.3 1/Å], tolerance: 100 meV/atom}
            analysis: {gap: 10 meV, final_point: false}
            resources: {timeout: 300 s}
            output: {directory: \(dir)/al}
            """
        let path = try Self.write(scan, "al-scan")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Preconv.run(ranks: 2, ["run", path, "--no-doctor"], timeout: 600)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("stage kmesh: spacings 0.6, 0.55 1/Å give the same 5x5x5 mesh for this cell: computed once"), "\(out.stderr)")
        let records = try String(contentsOfFile: "\(dir)/al/journal.jsonl", encoding: .utf8).split(separator: "\n").map {
            try #require((try Self.json(String($0)))["record"] as? [String: Any])
        }
        // 5x5x5 computed once for two spacings; the stage may stop before 9x9x9 (successive meshes agree)
        let meshes = records.compactMap { ($0["kmesh"] as? [Int])?.first }
        #expect(meshes.filter { $0 == 5 }.count == 1 && meshes.contains(7) && Set(meshes).isSubset(of: [4, 5, 7, 9]), "\(meshes)")
        for r in records {
            #expect(r["metallic"] as? Bool == true && r["gap_Ha"] == nil, "\(r["id"] ?? "")")
        }
        let csv = try String(contentsOfFile: "\(dir)/al/summary.csv", encoding: .utf8).split(separator: "\n").map { Self.csvFields(String($0)) }
        let gapColumn = try #require(csv[0].firstIndex(of: "gap_Ha")), metalColumn = try #require(csv[0].firstIndex(of: "metallic"))
        #expect(csv.count == records.count + 1)
        for row in csv.dropFirst() {
            #expect(row.count == csv[0].count && row[gapColumn] == "" && row[metalColumn] == "true", "\(row)")
        }
        let rec = try Self.json(String(contentsOfFile: "\(dir)/al/recommended.json", encoding: .utf8))
        #expect(rec["kmesh"] as? [Int] == [5, 5, 5] && rec["metallic"] as? Bool == true && rec["gap_eV"] == nil)
        #expect(abs((rec["kspacing_per_angstrom"] as? Double ?? 0) - 0.6) < 1e-9)
        let sources = try #require(rec["sources"] as? [String: String])
        for stage in ["ecut", "kmesh"] {
            #expect(sources[stage]?.contains("gap criterion skipped: metallic") == true, "\(sources[stage] ?? "")")
        }
        let report = try String(contentsOfFile: "\(dir)/al/report.html", encoding: .utf8)
        #expect(report.contains("data-field=\"gap_eV\">metallic<") && report.contains("none: metallic"))
        #expect(report.contains("data-field=\"kspacing_per_angstrom\">0.6<"))
        // `report` regenerates the files from the records: the spacing and the metal survive
        try FileManager.default.removeItem(atPath: "\(dir)/al/recommended.json")
        let regenerated = try Preconv.run(ranks: nil, ["report", "\(dir)/al"], timeout: 300)
        #expect(regenerated.status == 0, "\(regenerated.stderr)")
        let again = try Self.json(String(contentsOfFile: "\(dir)/al/recommended.json", encoding: .utf8))
        #expect(again["metallic"] as? Bool == true && abs((again["kspacing_per_angstrom"] as? Double ?? 0) - 0.6) < 1e-9)

        // bcc Fe: the case that printed a gap of −3.0 eV
        let fe = Self.feYAML + """

            stages:
              cutoff: {values: [12 Ha, 15 Ha], kmesh: 2x2x2, tolerance: 100 meV/atom}
            analysis: {gap: 10 meV, final_point: false}
            resources: {timeout: 300 s}
            output: {directory: \(dir)/fe}
            """
        let fePath = try Self.write(fe, "fe-scan")
        defer { try? FileManager.default.removeItem(atPath: fePath) }
        let feOut = try Preconv.run(ranks: 1, ["run", fePath, "--no-doctor"], timeout: 600)
        #expect(feOut.status == 0, "\(feOut.stderr)")
        let feRecords = try String(contentsOfFile: "\(dir)/fe/journal.jsonl", encoding: .utf8).split(separator: "\n").map {
            try #require((try Self.json(String($0)))["record"] as? [String: Any])
        }
        #expect(feRecords.count == 2)
        for r in feRecords { #expect(r["metallic"] as? Bool == true && r["gap_Ha"] == nil, "\(r)") }
        let summary = try Self.json(String(contentsOfFile: "\(dir)/fe/summary.json", encoding: .utf8))
        for p in try #require(summary["points"] as? [[String: Any]]) { #expect(p["gap_Ha"] == nil && p["metallic"] as? Bool == true) }
        #expect(Self.gapNumbers(feOut.stderr + feOut.stdout).allSatisfy { $0 >= 0 }, "\(feOut.stderr)")
    }
}
