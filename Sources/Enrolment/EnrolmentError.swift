import EdgeSystem

/// Why an enrolment did not happen, with the HTTP status the centre answers it with.
public struct EnrolmentError: EdgeError, Equatable {
    public enum Code: Sendable, Equatable {
        /// The request, its certificate request or its device key is not usable.
        case malformed
        /// The body is not JSON (415) or too large (413).
        case notJSON
        case tooLarge
        /// No token was issued for that gateway, or the token does not match.
        case unknownToken
        case expiredToken
        case usedToken
        /// The gateway is registered already with another device key.
        case alreadyRegistered
        /// libcrypto failed (a CA key that does not match its certificate, memory).
        case crypto
        /// A file could not be read or written.
        case storage
        /// The centre answered with a refusal (on the gateway's side).
        case refused
        /// The centre could not be reached (on the gateway's side).
        case transport
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?
    public var location: SourceLocation

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        location = SourceLocation(file: file, line: line)
    }

    public var description: String { message }
    public var isRetryable: Bool { code == .transport || code == .storage }

    /// The status the centre answers with: 400 for a request it cannot read, 403 for a
    /// token that does not let it in (the message says which way, for the technician: a
    /// gateway id is not a secret, the 160-bit token is),
    /// 409 for a gateway registered with another key, 413 and 415 for a body too large or
    /// not JSON, 500 for the centre's own faults.
    public var status: Int {
        switch code {
        case .malformed: 400
        case .notJSON: 415
        case .tooLarge: 413
        case .unknownToken, .expiredToken, .usedToken: 403
        case .alreadyRegistered: 409
        case .crypto, .storage, .refused, .transport: 500
        }
    }

    public static func == (a: EnrolmentError, b: EnrolmentError) -> Bool { a.code == b.code && a.message == b.message }
}
