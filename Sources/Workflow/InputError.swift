/// Bad user input (a malformed option value, an unreadable config): the CLI prints
/// `error: <message>` on rank 0 and exits with status 2. Every rank must see the same input,
/// so every rank throws it alike.
public struct InputError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
