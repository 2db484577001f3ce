import Bindings
import Foundation

/// FFTW wisdom kept between runs: the FFTW_MEASURE plans of the wave-function FFTs (timing them is a
/// visible part of a short run's start: README Performance) are timed once per CPU model and grid,
/// then read back at every start.
/// File: `$PRECONV_FFTW_WISDOM`, or `$XDG_CACHE_HOME` (default `~/.cache`)`/preconv-mpi/fftw-wisdom-<CPU>`;
/// `PRECONV_FFTW_WISDOM=off` neither reads nor writes one. Every failure is silent: wisdom only
/// saves planning time, the plans are the same kind either way.
struct WisdomCache {
    let path: String?
    private var loaded = ""

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        path = WisdomCache.path(environment: environment)
    }

    static func path(environment env: [String: String]) -> String? {
        if let p = env["PRECONV_FFTW_WISDOM"] { return ["off", "none", ""].contains(p.lowercased()) ? nil : p }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? env["HOME"].map { $0 + "/.cache" }
        guard let base else { return nil }
        return base + "/preconv-mpi/fftw-wisdom-" + cpuKey()
    }

    /// The CPU model from /proc/cpuinfo, reduced to letters, digits and dashes (plans are timed on it).
    static func cpuKey() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
        let key = String(model.map { $0.isLetter || $0.isNumber ? $0 : "-" })
        return key.split(separator: "-").joined(separator: "-")
    }

    /// Reads the file into FFTW's planner, if there is one.
    mutating func load() {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8), FFTWisdom.add(text) else { return }
        loaded = FFTWisdom.text
    }

    /// Writes FFTW's wisdom if this run planned something new (one process should call it).
    func save() {
        guard let path else { return }
        let text = FFTWisdom.text
        guard !text.isEmpty, text != loaded else { return }
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard (try? text.write(toFile: temporary, atomically: false, encoding: .utf8)) != nil else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }
}
