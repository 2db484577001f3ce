import Foundation
import Testing

/// ABINIT 9.6 (Debian) for the tests that check an exported snippet: its binary and the PseudoDojo
/// files Debian's abinit-data installs.
enum ABINITRun {
    static let dojoDirectory = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
    static let binary = ["/usr/bin/abinit", "/usr/local/bin/abinit"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// True when abinit and the PseudoDojo files of `elements` are installed.
    static func ready(_ elements: [String]) -> Bool {
        binary != nil && elements.allSatisfy { FileManager.default.fileExists(atPath: dojoDirectory + "/\($0).psp8") }
    }

    /// Writes `input` as `<name>.abi` in `directory`, runs ABINIT there and returns its last etotal (Ha);
    /// a failed run or an output without etotal fails the test.
    static func etotal(input: String, name: String, directory: String) throws -> Double {
        try input.write(toFile: directory + "/\(name).abi", atomically: true, encoding: .utf8)
        let abinit = Process()
        abinit.executableURL = URL(fileURLWithPath: try #require(binary, "abinit not installed"))
        abinit.arguments = ["\(name).abi"]
        abinit.currentDirectoryURL = URL(fileURLWithPath: directory)
        let log = Pipe()
        abinit.standardOutput = log
        abinit.standardError = FileHandle.nullDevice
        try abinit.run()
        let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        abinit.waitUntilExit()
        #expect(abinit.terminationStatus == 0, "abinit exit \(abinit.terminationStatus): \(text.suffix(2000))")
        let abo = (try? String(contentsOfFile: directory + "/\(name).abo", encoding: .utf8)) ?? text
        let line = abo.split(separator: "\n").last { $0.contains("etotal") && !$0.contains("toldfe") }
        return try #require(line?.split(separator: " ").compactMap { Double($0.replacingOccurrences(of: "D", with: "E")) }.last,
                            "no etotal in ABINIT's output: \(abo.suffix(2000))")
    }
}
