/// Why a request is refused: the HTTP status PROTOCOL.md gives, a reason label for the
/// `edge_centre_rejected_total` metric, and a message that says what to fix.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var reason: String
    public var message: String
    /// `Edge-Offset` to send back (308 and 416).
    public var offset: Int64?

    public init(_ status: Int, _ reason: String, _ message: String, offset: Int64? = nil) {
        self.status = status
        self.reason = reason
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(status) \(reason): \(message)" }

    static func malformed(_ message: String) -> Refusal { Refusal(400, "malformed", message) }
}
