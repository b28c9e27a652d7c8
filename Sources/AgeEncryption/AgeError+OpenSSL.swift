import AgeKeys
import EdgeCrypto

extension AgeError {
    /// A failed libcrypto call, with OpenSSL's whole error queue as the cause.
    static func openSSL(_ call: String, file: String = #fileID, line: Int = #line) -> AgeError {
        let queue = OpenSSLError(call, file: file, line: line)
        return AgeError(.crypto, queue.message, cause: queue, file: file, line: line)
    }

    /// The same for an `OpenSSLError` already drained (by EdgeCrypto).
    static func crypto(_ error: OpenSSLError) -> AgeError { AgeError(.crypto, error.message, cause: error) }
}
