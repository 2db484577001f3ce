import Parallel

/// Outcome of one doctor check.
public enum DoctorStatus: String, Sendable, Codable, Comparable {
    case pass = "PASS", warn = "WARN", fail = "FAIL"

    private var severity: Int { switch self { case .pass: 0; case .warn: 1; case .fail: 2 } }
    public static func < (a: DoctorStatus, b: DoctorStatus) -> Bool { a.severity < b.severity }
}

/// One line of the doctor's report: what was measured and, for WARN/FAIL, the fix.
public struct DoctorResult: Sendable, Codable, Equatable {
    public let name: String
    public let status: DoctorStatus
    public let value: String
    public let message: String

    public init(name: String, status: DoctorStatus, value: String, message: String = "") {
        self.name = name
        self.status = status
        self.value = value
        // messages are one line: the report has one row (or one JSON object) per check
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// An environment check.
///
/// A collective check runs on every rank, in the same order on all of them (it may use the
/// communicator's collectives); a local one runs on rank 0 only. Only rank 0's result is reported.
public protocol DoctorCheck: Sendable {
    var name: String { get }
    var isCollective: Bool { get }
    func run(on comm: Communicator) throws -> DoctorResult
}

extension DoctorCheck {
    public var isCollective: Bool { false }

    func pass(_ value: String, _ message: String = "") -> DoctorResult {
        DoctorResult(name: name, status: .pass, value: value, message: message)
    }
    func warn(_ value: String, _ message: String) -> DoctorResult {
        DoctorResult(name: name, status: .warn, value: value, message: message)
    }
    func fail(_ value: String, _ message: String) -> DoctorResult {
        DoctorResult(name: name, status: .fail, value: value, message: message)
    }
}
