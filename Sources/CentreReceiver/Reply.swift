import EdgeCrypto
import EdgeJSON

/// An answer of the upload protocol, before it becomes an HTTP response.
public struct Reply: Sendable, Equatable {
    public var status: Int
    /// `Edge-Offset`, when the answer carries one.
    public var offset: Int64?
    /// `Edge-Complete: true` (HEAD of a stored segment).
    public var complete = false
    /// `Retry-After` in seconds (503).
    public var retryAfter: Int?
    /// The JSON body; empty for HEAD.
    public var body: [UInt8]

    public init(status: Int, offset: Int64? = nil, complete: Bool = false, retryAfter: Int? = nil, body: [UInt8] = []) {
        self.status = status
        self.offset = offset
        self.complete = complete
        self.retryAfter = retryAfter
        self.body = body
    }

    static func accepted(_ status: String, _ key: SegmentKey, sha256: [UInt8]) -> Reply {
        Reply(
            status: 200,
            body: CanonicalJSON.encode(
                .object([
                    ("status", .string(status)), ("gateway", .string(key.gateway)), ("camera", .string(key.camera)),
                    ("sequence", .number(String(key.sequence))), ("sha256", .string(Hex.encode(sha256))),
                ])))
    }

    static func refused(_ refusal: Refusal) -> Reply {
        Reply(
            status: refusal.status, offset: refusal.offset, retryAfter: refusal.status == 503 ? 1 : nil,
            body: CanonicalJSON.encode(.object([("error", .string(refusal.message))])))
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
