import EdgeSystem

/// Why an age operation failed: a code to switch on and a message to read.
///
/// Tamper errors (`headerMAC`, `payload`) deliberately say little — which check failed and
/// where, never what the bytes should have been. Format errors say what is wrong, so a
/// technician can tell a damaged file from a wrong key.
public struct AgeError: EdgeError, Equatable {
    public enum Code: Sendable, Equatable {
        /// A recipient, identity or key file did not parse.
        case invalidKey
        /// The ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`) is malformed.
        case armor
        /// The header is malformed, uses an unsupported version, or holds a bad X25519 stanza.
        case header
        /// The header parsed, but none of its stanzas is for any of our identities.
        case noMatchingIdentity
        /// The header MAC does not verify: the header was altered.
        case headerMAC
        /// The payload stops verifying: a chunk was altered, or the file is truncated
        /// or has data after its final chunk.
        case payload
        /// Reading the input failed.
        case io
        /// libcrypto refused an operation that should not fail (out of memory, a provider
        /// missing).
        case crypto
        /// The API was used out of order (writing after `finish()`, no recipients).
        case misuse
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?
    public var location: SourceLocation

    public init(
        _ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        location = SourceLocation(file: file, line: line)
    }

    public var description: String { "age: \(message)" }

    /// Only reading the input can fail for a while (a pulled card); a damaged file, a
    /// wrong key or a broken libcrypto stay as they are.
    public var isRetryable: Bool { code == .io && (cause as? SystemError)?.isTransient == true }

    public static func == (a: AgeError, b: AgeError) -> Bool { a.code == b.code && a.message == b.message }
}
