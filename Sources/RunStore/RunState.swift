import Bindings
import Convergence
import Foundation
import Input
#if canImport(Glibc)
import Glibc
#endif

/// The run state written at every checkpoint interval and stage boundary: the plan, what each
/// point's status is, the stage decisions. The journal is the source of truth; a damaged
/// checkpoint is reported and rebuilt from the config and the journal.
public struct RunState: Codable, Sendable, Equatable {
    public struct StageState: Codable, Sendable, Equatable {
        public var name: String
        /// Point id → status (`pending`, `running`, `skipped`, or a record status).
        public var points: [String: String]
        public var order: [String]
        public var decision: StageDecision?

        public init(name: String, points: [String: String], order: [String], decision: StageDecision?) {
            self.name = name; self.points = points; self.order = order; self.decision = decision
        }
    }
    public var format = 1
    public var configHash: String
    public var updatedAt: String
    public var stages: [StageState]
    public var choices: StageChoices
    public var finished: Bool
    public var warnings: [String]
    public var shard: String?

    public init(configHash: String, updatedAt: String, stages: [StageState], choices: StageChoices, finished: Bool,
                warnings: [String], shard: String? = nil) {
        self.configHash = configHash; self.updatedAt = updatedAt; self.stages = stages; self.choices = choices
        self.finished = finished; self.warnings = warnings; self.shard = shard
    }

    static let tag = "\"state\":"

    /// `{"sha256":"…","state":{…}}`
    public func encoded() throws -> Data {
        let body = String(decoding: try Journal.encoder.encode(self), as: UTF8.self)
        return Data("{\"sha256\":\"\(sha256Hex(Data(body.utf8)))\",\"state\":\(body)}\n".utf8)
    }

    /// The checkpoint at `path`: nil if absent; an error message if damaged.
    public static func load(path: String) -> Result<RunState, RunError>? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        let prefix = "{\"sha256\":\""
        guard text.hasPrefix(prefix), text.count > prefix.count + 64,
              let r = text.range(of: "\"," + tag), text.hasSuffix("}") else {
            return .failure(RunError("checkpoint \(path) is truncated or malformed (\(data.count) bytes)"))
        }
        let hex = String(text[text.index(text.startIndex, offsetBy: prefix.count)..<r.lowerBound])
        let body = String(text[r.upperBound..<text.index(before: text.endIndex)])
        guard sha256Hex(Data(body.utf8)) == hex else { return .failure(RunError("checkpoint \(path) fails its checksum")) }
        do {
            return .success(try Journal.decoder.decode(RunState.self, from: Data(body.utf8)))
        } catch {
            return .failure(RunError("checkpoint \(path) does not decode: \(error)"))
        }
    }
}
