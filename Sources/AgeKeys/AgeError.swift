import EdgeSystem

/// Why an age operation failed: a code to switch on and a message to read.
///
/// Tamper errors (`headerMAC`, `payload`) deliberately say little — which check failed and
/// where, never what the bytes should have been. Format errors say what is wrong, so a
/// technician can tell a damaged file from a wrong key.
public typealias AgeError = CodedError<AgeErrorCode>

/// The codes of `AgeError`.
public enum AgeErrorCode: ErrorCode {
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

    public static var domain: String { "age" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool { self == .io && Self.transientStorage(cause) }
}

