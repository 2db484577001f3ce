import Foundation
import Testing

@Suite(.serialized) struct DoctorIntegration {
    static let allChecks = ["mpi", "mpi-startup", "threads", "scalapack", "fftw-mpi", "blas", "fftw", "libxc", "spglib",
                            "memory", "disk", "output-dir"]

    @Test(arguments: [1, 2, 4])
    func everyCheckPasses(ranks: Int) throws {
        let run = try Preconv.run(ranks: ranks, ["doctor", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = try CheckLine.parse(run.stdout)
        #expect(lines.map(\.name) == Self.allChecks)
        for line in lines { #expect(line.status == "PASS", "\(line)") }
        let mpi = try #require(lines.first { $0.name == "mpi" })
        #expect(mpi.value.hasPrefix("\(ranks) rank\(ranks == 1 ? "" : "s") on "), "\(mpi.value)")
        #expect(mpi.value.contains("allreduce Σrank = \(ranks * (ranks - 1) / 2)"))
        let scalapack = try #require(lines.first { $0.name == "scalapack" })
        #expect(scalapack.value.contains("n=200, nb=32"))
    }

    @Test func unsetThreadVariablesWarnWithTwoRanks() throws {
        let run = try Preconv.run(ranks: 2, ["doctor", "--json", "--quick"], threads: nil)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = try CheckLine.parse(run.stdout)
        let threads = try #require(lines.first { $0.name == "threads" })
        #expect(threads.status == "WARN")
        #expect(threads.message.contains("export OPENBLAS_NUM_THREADS="), "\(threads.message)")
        #expect(threads.value.contains("OPENBLAS_NUM_THREADS=unset"))
        #expect(lines.filter { $0.name != "threads" }.allSatisfy { $0.status == "PASS" }, "\(lines)")
    }

    /// Forced generic kernels (OPENBLAS_CORETYPE=Prescott) WARN with the kernels to export on a CPU
    /// with AVX2 or AVX-512; unset, OpenBLAS's own choice or, where that is Prescott, the program's
    /// (it re-executes itself with the exported value) is not the generic one and the check passes.
    @Test func genericBLASKernelsWarnWhereBetterExist() throws {
        let forced = try Preconv.run(ranks: 1, ["doctor", "--json", "--only", "blas"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        let line = try #require(try CheckLine.parse(forced.stdout).first)
        let cpu = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard cpu.contains(" avx2") else {
            #expect(line.status == "PASS", "no AVX2 here: Prescott-class kernels are OpenBLAS's right choice. \(line)")
            return
        }
        #expect(forced.status == 0 && line.status == "WARN", "\(line)")
        #expect(line.message.contains(/export OPENBLAS_CORETYPE=(Cooperlake|SkylakeX|Haswell),/), "\(line.message)")
        let chosen = try Preconv.run(ranks: 1, ["doctor", "--json", "--only", "blas"])
        let own = try #require(try CheckLine.parse(chosen.stdout).first)
        #expect(own.status == "PASS" && !own.message.contains("Prescott"), "\(own)")
    }

    @Test func quickChecksAreTheCheapSubset() throws {
        let run = try Preconv.run(ranks: 1, ["doctor", "--json", "--quick"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = try CheckLine.parse(run.stdout)
        #expect(lines.map(\.name) == ["mpi", "mpi-startup", "threads", "memory", "disk", "output-dir"])
        #expect(lines.allSatisfy { $0.status == "PASS" }, "\(lines)")
    }

    @Test func unwritableOutputDirectoryFails() throws {
        // root ignores permissions, so make the directory impossible: a path below a regular file
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("preconv-file-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let target = file.path + "/sub"
        let run = try Preconv.run(ranks: 1, ["doctor", "--json", "--quick", "--output-dir", target])
        #expect(run.status == 1)
        let lines = try CheckLine.parse(run.stdout)
        let dir = try #require(lines.first { $0.name == "output-dir" })
        #expect(dir.status == "FAIL")
        #expect(dir.value == target)
        #expect(dir.message.contains("cannot create directory \(target): Not a directory"), "\(dir.message)")
        #expect(!dir.message.contains("\n"))
        for marker in crashMarkers { #expect(!run.stderr.contains(marker), "\(run.stderr)") }
    }

    @Test func missingOutputDirectoryIsCreated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preconv-out-\(UUID().uuidString)/a/b")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent().deletingLastPathComponent()) }
        let run = try Preconv.run(ranks: nil, ["doctor", "--json", "--only", "output-dir,disk", "--output-dir", dir.path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(try CheckLine.parse(run.stdout).map(\.status) == ["PASS", "PASS"])
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)   // probe file removed
    }

    @Test func impossibleLimitsFail() throws {
        let run = try Preconv.run(ranks: nil, ["doctor", "--json", "--only", "memory,disk",
                                               "--memory-limit", "1000TiB", "--disk-limit", "1000TiB"])
        #expect(run.status == 1)
        let lines = try CheckLine.parse(run.stdout)
        #expect(lines.map(\.status) == ["FAIL", "FAIL"])
        #expect(lines[0].message.contains("--memory-limit"))
        #expect(lines[1].message.contains("--disk-limit"))
    }

    @Test(arguments: [["doctor", "--memory-limit", "lots"], ["doctor", "--scalapack-grid", "2x2"],
                      ["doctor", "--only", "nothing"], ["doctor", "--only", ","], ["doctor", "--output-dir", ""],
                      ["doctor", "--bogus"], ["frobnicate"]])
    func badUsageExitsWithTwo(arguments: [String]) throws {
        let run = try Preconv.run(ranks: nil, arguments)
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(run.stderr)")
        for marker in crashMarkers { #expect(!run.stderr.contains(marker)) }
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try Preconv.run(ranks: nil, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("doctor"))
        let version = try Preconv.run(ranks: nil, ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}
