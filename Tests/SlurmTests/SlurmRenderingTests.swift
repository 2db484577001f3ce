import Bindings
import Foundation
import Testing
import TestSupport
import Input
@testable import Slurm

/// `preconv-mpi slurm` without a cluster: quoting, validation, time formats, the estimate and the
/// rendered scripts (every placeholder filled, valid bash, only safe characters in #SBATCH lines).
@Suite struct SlurmRendering {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let templates = root.appendingPathComponent("slurm").path
    static let gaasFast = root.appendingPathComponent("config/gaas-fast.yaml").path

    static let hostile = ["a;touch INJECTED", "$(touch INJECTED2)", "`touch INJECTED3`", "it's \"quoted\"", "new\nline", "back\\slash $HOME *", ""]

    /// bash reads each quoted word back as exactly the original text.
    @Test func shellQuotingRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quote-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for s in Self.hostile {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", "printf %s \(ShellQuote.word(s))"]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(String(decoding: data, as: UTF8.self) == s, "\(s)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "a quoted word executed something")
        #expect(ShellQuote.comment("a\nb\rc") == "a?b?c")
    }

    @Test func namesAreValidated() throws {
        for bad in Self.hostile + ["x y", "é", "a%j", String(repeating: "a", count: 129)] {
            #expect(throws: InputError.self, "\(bad)") { try SlurmValidation.name(bad, field: "--job-name") }
        }
        try SlurmValidation.name("gaas-fast_1.2", field: "--job-name")
        try SlurmValidation.name("debug,long", field: "--partition", list: true)
        #expect(throws: InputError.self) { try SlurmValidation.name("debug,", field: "--partition", list: true) }
        do {
            try SlurmValidation.name("a;touch INJECTED", field: "--job-name")
        } catch let e as InputError {
            #expect(e.message.hasPrefix("--job-name 'a;touch INJECTED' is not usable in a Slurm job"), "\(e.message)")
        }
    }

    @Test func timeFormats() {
        #expect(SlurmTime.seconds("30") == 1800)
        #expect(SlurmTime.seconds("5:30") == 330)
        #expect(SlurmTime.seconds("01:02:03") == 3723)
        #expect(SlurmTime.seconds("2-00") == 172_800)
        #expect(SlurmTime.seconds("1-02:03") == 93_780)
        #expect(SlurmTime.seconds("1-02:03:04") == 93_784)
        for bad in ["", "1h", "1;touch x", "-5", "1:2:3:4", "a-1"] { #expect(SlurmTime.seconds(bad) == nil, "\(bad)") }
        #expect(SlurmTime.format(seconds: 90) == "00:01:30")
        #expect(SlurmTime.format(seconds: 93_784) == "1-02:03:04")
    }

    func jobs(_ extra: [String] = [], dir: String = "/tmp/preconv-render", options: (inout SlurmJobs.Options) -> Void = { _ in }) throws -> SlurmJobs {
        let cfg = try ScanConfig.load(path: Self.gaasFast, overrides: extra + ["output.directory=\(dir)"])
        var o = SlurmJobs.Options()
        o.templates = Self.templates
        o.binary = "/opt/preconv/bin/preconv-mpi"
        options(&o)
        return try SlurmJobs(config: cfg, configPath: Self.gaasFast, overrides: extra + ["output.directory=\(dir)"], options: o)
    }

    /// Scripts with a run directory full of shell syntax: filled, valid bash, safe #SBATCH lines, paths quoted.
    @Test(arguments: [false, true])
    func renderedScriptsAreSafe(array: Bool) throws {
        let dir = "/tmp/run a;touch INJECTED $(touch INJECTED2) `x` 'q\"\nnl"
        let grid = array ? ["stages.mode=grid"] : []
        let j = try jobs(grid, dir: dir) { o in o.array = array; o.shards = array ? 3 : nil; o.partition = "debug"; o.ntasksPerNode = 8 }
        #expect(j.scripts.map(\.fileName) == (array ? ["job-array.sbatch", "job-collect.sbatch", "job-rerun-failed.sbatch"]
                                                    : ["job-single.sbatch", "job-rerun-failed.sbatch"]))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("render-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for s in j.scripts {
            #expect(!s.text.contains("{{") && !s.text.contains("}}"), "\(s.fileName): unfilled placeholder")
            #expect(s.text.hasPrefix("#!/bin/bash\n"))
            for line in s.text.split(separator: "\n") where line.hasPrefix("#SBATCH") {
                #expect(line.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "#-=:._%@, <>".contains($0)) }, "\(s.fileName): \(line)")
            }
            // every line of a comment stays a comment (the newline in the path cannot end it)
            #expect(!s.text.split(separator: "\n").contains { $0.hasPrefix("nl") }, "\(s.fileName): a value broke out of its line")
            let path = tmp + "/" + s.fileName
            try s.text.write(toFile: path, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-n", path]
            let err = Pipe()
            p.standardError = err
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(s.fileName): \(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            // (YAML folds the newline of a --set value into a space: the config's directory is the reference)
            #expect(s.text.contains("run_dir=\(ShellQuote.word(j.runDirectory))"), "\(s.fileName)")
        }
        let main = j.scripts[0].text
        #expect(main.contains("#SBATCH --partition=debug") && main.contains("##SBATCH --account=<name>"))
        #expect(main.contains("#SBATCH --ntasks-per-node=8") && main.contains("#SBATCH --requeue"))
        #expect(main.contains("--set \(ShellQuote.word("output.directory=\(j.runDirectory)"))"))
        if array {
            #expect(main.contains("#SBATCH --array=1-3"))
            #expect(main.contains("--shard \"$task/${SLURM_ARRAY_TASK_COUNT:-$shards}\""))
            #expect(j.commands[0].contains("sbatch --dependency=afterany:${array%%;*} job-collect.sbatch"))
        }
    }

    @Test func badRequestsAreRefused() throws {
        #expect(throws: InputError.self) { try jobs { $0.jobName = "a;touch INJECTED" } }
        #expect(throws: InputError.self) { try jobs { $0.account = "$(id)" } }
        #expect(throws: InputError.self) { try jobs { $0.time = "1;id" } }
        #expect(throws: InputError.self) { try jobs { $0.array = true } }   // staged scan
        #expect(throws: InputError.self) { try jobs(["stages.mode=grid"]) { $0.array = true; $0.shards = 1000 } }
        #expect(throws: InputError.self) { try jobs { $0.nodes = 0 } }
        #expect(throws: InputError.self) { try jobs { $0.binary = "relative/preconv-mpi" } }
        #expect(throws: InputError.self) { try jobs { $0.templates = "/nonexistent" } }
        // Slurm reads '\\' and '%' in output file paths itself
        #expect(throws: InputError.self) { try jobs(dir: "/tmp/run%j") }
        #expect(throws: InputError.self) { try jobs(dir: "/tmp/back\\slash") }
    }

    /// `--mail-user`/`--mail-type` reach every script as #SBATCH lines (from the options or the config's
    /// resources.mail, the options winning); a user alone mails END,FAIL; unset, the lines stay comments;
    /// anything outside the allowed alphabet or Slurm's mail types is refused.
    @Test func mailDirectives() throws {
        let none = try jobs()
        for s in none.scripts {
            #expect(s.text.contains("##SBATCH --mail-user=<address>"), "\(s.fileName)")
            #expect(!s.text.split(separator: "\n").contains { $0.hasPrefix("#SBATCH --mail") }, "\(s.fileName)")
        }
        let given = try jobs(["stages.mode=grid"]) { o in o.array = true; o.shards = 2; o.mailUser = "ops+dft@example.org"; o.mailType = "end,fail" }
        #expect(given.scripts.count == 3)
        for s in given.scripts {
            let lines = s.text.split(separator: "\n")
            #expect(lines.contains("#SBATCH --mail-user=ops+dft@example.org"), "\(s.fileName)")
            #expect(lines.contains("#SBATCH --mail-type=END,FAIL"), "\(s.fileName)")
            // before the first command: sbatch reads directives only there
            let first = lines.firstIndex { !$0.hasPrefix("#") && !$0.isEmpty }!
            #expect(lines.firstIndex(of: "#SBATCH --mail-user=ops+dft@example.org")! < first, "\(s.fileName)")
        }
        let fromConfig = try jobs(["resources.mail.user=me@example.org"])
        #expect(fromConfig.scripts[0].text.contains("#SBATCH --mail-user=me@example.org\n#SBATCH --mail-type=END,FAIL\n"))
        let both = try jobs(["resources.mail.user=me@example.org", "resources.mail.type=ALL"]) { $0.mailUser = "you@example.org" }
        #expect(both.scripts[0].text.contains("#SBATCH --mail-user=you@example.org\n#SBATCH --mail-type=ALL\n"))
        #expect(throws: InputError.self) { try jobs { $0.mailUser = "a@b;touch INJECTED" } }
        #expect(throws: InputError.self) { try jobs { $0.mailUser = "$(id)@example.org" } }
        #expect(throws: InputError.self) { try jobs { $0.mailUser = "me@example.org"; $0.mailType = "END,SOMETIMES" } }
        #expect(throws: (any Error).self) { try jobs(["resources.mail.user=a b@example.org"]) }
    }

    /// At least a minute, whole minutes, a signal margin that fits, fewer seconds on more ranks.
    @Test func estimateIsConservativeAndScales() throws {
        let small = try jobs { $0.ntasksPerNode = 1 }
        let big = try jobs { $0.ntasksPerNode = 8 }
        for j in [small, big] {
            #expect(j.timeLimit >= 60 && j.timeLimit % 60 == 0)
            #expect(j.signalSeconds > 0 && j.signalSeconds <= j.timeLimit / 3)
            #expect(j.estimate.memoryPerNodeMiB >= 500)
        }
        #expect(big.estimate.seconds < small.estimate.seconds)
        #expect(big.estimate.memoryPerNodeMiB > small.estimate.memoryPerNodeMiB)
        // gaas-fast took 35-50 s on 2 ranks here: the estimate must not be below it
        let two = try jobs { $0.ntasksPerNode = 2 }
        #expect(two.estimate.seconds * SlurmEstimate.safety >= 50, "\(two.estimate.seconds)")
        let given = try jobs { $0.time = "1-00:00"; $0.signalMargin = 0 }
        #expect(given.timeLimit == 86400 && given.signalSeconds == 0)
        #expect(given.scripts[0].text.contains("##SBATCH --signal=B:USR1@<seconds>"))
    }
}
