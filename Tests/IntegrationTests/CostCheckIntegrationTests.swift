import Foundation
import Testing

/// Points that cannot fit are refused before any work, with the estimate named (exit 2); `--force`
/// starts them. A refused point returns within seconds, where computing it would take hours.
@Suite(.serialized) struct CostCheckIntegration {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var gaas: String { package.appendingPathComponent("config/gaas-pbe.yaml").path }

    /// GaAs at 900 Ha on a 12×12×12 mesh (72 irreducible k-points, 3.9e5 plane waves each): about 21 GiB
    /// a rank on one rank, 14 GiB a rank on two; more than this 24 GiB node has for either.
    @Test(arguments: [1, 2]) func scfRefusesThe900HaPoint(ranks: Int) throws {
        let start = Date()
        let out = try Preconv.run(ranks: ranks, ["scf", Self.gaas, "--ecut", "900Ha", "--kmesh", "12x12x12"], timeout: 60)
        let elapsed = Date().timeIntervalSince(start)
        #expect(out.status == 2, "\(out.stderr)")
        let lines = out.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(lines.count == 1, "\(out.stderr)")
        #expect(lines.first.map { $0.contains("ecut 900 Ha, k-mesh 12x12x12") && $0.contains("72 irreducible k-point(s)")
                                  && $0.contains("estimated peak memory") && $0.contains("GiB available") } == true, "\(out.stderr)")
        // MPI start-up included; the point itself would run for hours
        #expect(elapsed < 10, "refused after \(elapsed) s")
    }

    /// A cell 6.2 times larger at 600 Ha: the estimate is in TiB.
    @Test func scfRefusesATebibytePoint() throws {
        let out = try Preconv.run(ranks: nil, ["scf", Self.gaas, "--ecut", "600Ha", "--kmesh", "8x8x8", "--a", "35Å"], timeout: 60)
        #expect(out.status == 2 && out.stderr.contains("TiB per rank"), "\(out.stderr)")
    }

    /// `--force` starts the refused point: the warning is printed and the process is still computing
    /// (stopped here by the test) instead of exiting with 2.
    @Test func scfForceStarts() throws {
        let bin = try #require(Preconv.binary)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["scf", Self.gaas, "--ecut", "900Ha", "--kmesh", "12x12x12", "--force"]
        p.environment = Preconv.childEnvironment()
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && !text.contains("starting anyway") && p.isRunning {
            text += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
        }
        usleep(500_000)
        let running = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(text.contains("warning:") && text.contains("starting anyway (--force)"), "\(text)")
        #expect(running, "the forced point stopped by itself: \(text)")
    }

    /// A scan whose rank share of resources.memory_limit (64 MiB over 2 ranks) is below every point's
    /// estimate: refused with one line a point and no run directory; `--force` runs it to the end.
    @Test func scanRefusesThenForceRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cost-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            name: cost-check
            structure:
              lattice: {bravais: fcc, a: 5.43 Å}
              atoms:
                - {species: Si, position: [0, 0, 0]}
                - {species: Si, position: [0.25, 0.25, 0.25]}
            pseudopotentials: {family: GTH-PADE}
            functional: LDA
            smearing: {type: none}
            basis: {ecut: 6 Ha, kmesh: 2x2x2, xc_grid: density}
            scf: {energy_tolerance: 1e-8 Ha}
            stages:
              mode: grid
              cutoff: {values: [5 Ha, 6 Ha]}
            resources: {memory_limit: 64 MiB, timeout: 60 s}
            output: {directory: \(dir)}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cost-\(UUID().uuidString.prefix(8)).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let refused = try Preconv.run(ranks: 2, ["run", path, "--no-doctor"], timeout: 60)
        #expect(refused.status == 2, "\(refused.stderr)")
        let lines = refused.stderr.split(separator: "\n").filter { $0.hasPrefix("error: point ") }
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("resources.memory_limit") && $0.contains("32.0 MiB") }, "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/journal.jsonl"))
        let forced = try Preconv.run(ranks: 2, ["run", path, "--no-doctor", "--force"], timeout: 120)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("starting anyway (--force)"))
        let journal = try String(contentsOfFile: dir + "/journal.jsonl", encoding: .utf8)
        #expect(journal.split(separator: "\n").count == 2)
    }
}
