import COpenSSL

/// Why an age operation failed: a code to switch on and a message to read.
///
/// Tamper errors (`headerMAC`, `payload`) deliberately say little — which check failed and
/// where, never what the bytes should have been. Format errors say what is wrong, so a
/// technician can tell a damaged file from a wrong key.
public struct AgeError: Error, Sendable, Equatable, CustomStringConvertible {
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

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "age: \(message)" }

    /// An error for a failed libcrypto call, carrying OpenSSL's whole error queue: a single
    /// entry often names only the outermost function, the root cause sits deeper.
    static func openSSL(_ call: String) -> AgeError {
        var reasons: [String] = []
        var text = [CChar](repeating: 0, count: 256)
        while case let code = ERR_get_error(), code != 0 {
            text.withUnsafeMutableBufferPointer { buffer in
                ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                reasons.append(String(cString: buffer.baseAddress!))
            }
        }
        let detail = reasons.isEmpty ? "no OpenSSL error recorded" : reasons.joined(separator: "; ")
        return AgeError(.crypto, "\(call) failed: \(detail)")
    }
}
