import Foundation
import Testing

extension ScanIntegration {
    /// `alerts:` with every threshold set low: each kind (failure_rate, memory, disk, stage_time)
    /// reaches the command as one JSON object on its standard input, and an `alert` event; the command
    /// runs without a shell (a `$(touch …)` argument stays text), and one that fails, prints garbage
    /// or hangs past its timeout leaves the run's results unchanged.
    @Test func alertsReachTheCommandAndNeverChangeTheRun() throws {
        let d = scratchDirectory("alerts")
        defer { try? FileManager.default.removeItem(atPath: d) }
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        let received = d + "/alerts.jsonl", marker = d + "/shell-ran"
        func script(_ name: String, _ body: String) throws -> String {
            let path = d + "/" + name
            try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            return path
        }
        // appends its input, prints garbage, fails
        let notify = try script("notify.sh", "cat >> \"$1\"\necho '{not json'\nexit 3")
        // never reads its input, hangs
        let hang = try script("hang.sh", "echo garbage\nsleep 30")
        let shrink = ["--set", "stages.cutoff.values=[10 Ha, 12 Ha]", "--set", "stages.kmesh.values=[2]", "--set", "stages.lattice.points=3",
                      "--set", "point_overrides=[{stage: lattice, index: 0, max_iterations: 1}]"]
        func run(_ dir: String, command: String) throws -> Preconv.Outcome {
            try Preconv.run(ranks: 2, ["run", gaasFast, "--set", "output.directory=\(dir)"] + shrink
                            + ["--set", "alerts={failure_rate: 1 %, memory: 1 %, disk: 0.01 %, stage_time: 0.001, command: \(command), command_timeout: 1 s}"],
                            timeout: 300)
        }
        let first = try run(d + "/run1", command: "[\(notify), \(received), '$(touch \(marker))']")
        #expect(first.status == 1, "exit \(first.status): \(first.stderr)")   // the lattice point that failed
        #expect(first.stderr.contains("alerts: command \(notify) exited with status 3"), "\(first.stderr)")
        let lines = try String(contentsOfFile: received, encoding: .utf8).split(separator: "\n")
        let alerts = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)") }
        let kinds = Set(alerts.compactMap { $0["alert"] as? String })
        #expect(kinds == ["failure_rate", "memory", "disk", "stage_time"], "\(kinds)")
        for a in alerts {
            #expect(a["message"] is String && a["time"] is String && a["run"] as? String == "gaas-fast" && a["threshold"] is Double, "\(a)")
        }
        let failure = try #require(alerts.first { $0["alert"] as? String == "failure_rate" })
        #expect(abs((failure["value"] as? Double ?? 0) - 1.0 / 3) < 1e-12 && failure["stage"] as? String == "lattice", "\(failure)")
        #expect(!FileManager.default.fileExists(atPath: marker), "an argument reached a shell")
        let events = try String(contentsOfFile: d + "/run1/events.jsonl", encoding: .utf8)
        #expect(events.components(separatedBy: "\"kind\":\"alert\"").count - 1 == alerts.count, "one alert event per alert")

        // a command that hangs past its timeout: the run ends with the same results
        let second = try run(d + "/run2", command: "[\(hang)]")
        #expect(second.status == 1, "exit \(second.status): \(second.stderr)")
        #expect(second.stderr.contains("ran past its timeout") && second.stderr.contains("and was killed"), "\(second.stderr)")
        expectSameSummaries(try ScanSummaryJSON.read(d + "/run2"), try ScanSummaryJSON.read(d + "/run1"), "hanging alert command")
    }

    /// Bad `alerts:` values: one line each with the path, exit 2, before any work.
    @Test func badAlertSettingsAreRefused() throws {
        let out = try Preconv.run(ranks: nil, ["run", gaasFast, "--set",
                                               "alerts={failure_rate: 120 %, stage_time: -1, command: [], pager: yes}"], timeout: 60)
        #expect(out.status == 2, "exit \(out.status)")
        #expect(out.stderr.contains("alerts.pager: unknown key"), "\(out.stderr)")
        let out2 = try Preconv.run(ranks: nil, ["run", gaasFast, "--set", "alerts={failure_rate: 120 %, stage_time: -1, command: []}"], timeout: 60)
        #expect(out2.status == 2)
        for expected in ["alerts.failure_rate: 120 % must be above 0 % and at most 100 %", "alerts.stage_time: -1 must be positive",
                         "alerts.command: is empty"] {
            #expect(out2.stderr.contains(expected), "\(expected) in \(out2.stderr)")
        }
    }
}
