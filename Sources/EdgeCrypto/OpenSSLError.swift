import COpenSSL
import EdgeSystem

/// A libcrypto call that failed, with OpenSSL's error queue drained whole: the first
/// entry often names only the outermost function, the root cause sits deeper, and
/// leftovers would be blamed on the next call. The one place the queue is read.
public struct OpenSSLError: EdgeError, Equatable {
    /// The call that failed (`EVP_DigestInit_ex(SHA-256)`).
    public var call: String
    /// The queue's packed error codes (`ERR_get_error`), oldest first.
    public var codes: [UInt]
    /// Their texts (`error:1C800064:Provider routines::bad decrypt`).
    public var reasons: [String]
    public var location: SourceLocation

    /// Drains the queue for the failed `call`.
    public init(_ call: String, file: String = #fileID, line: Int = #line) {
        self.call = call
        codes = []
        reasons = []
        location = SourceLocation(file: file, line: line)
        var text = [CChar](repeating: 0, count: 256)
        while case let code = ERR_get_error(), code != 0 {
            codes.append(code)
            text.withUnsafeMutableBufferPointer { buffer in
                ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                reasons.append(String(cString: buffer.baseAddress!))
            }
        }
    }

    /// Empties the queue after a call whose failure is an answer, not a fault (a
    /// signature that does not verify).
    public static func clear() { ERR_clear_error() }

    public var message: String { "\(call) failed: " + (reasons.isEmpty ? "no OpenSSL error recorded" : reasons.joined(separator: "; ")) }
    public var description: String { message }
    public var cause: (any Error & Sendable)? { nil }
    /// libcrypto fails on bugs, missing providers or memory: none of that passes by itself.
    public var isRetryable: Bool { false }

    public static func == (a: OpenSSLError, b: OpenSSLError) -> Bool { a.call == b.call && a.codes == b.codes }
}
