internal import CCurl
import EdgeSystem

/// What went wrong while uploading. `retryable` is decided here, where the error is made:
/// a network fault or a busy centre is retried with back-off; a refusal is not.
public struct UplinkError: EdgeError, Equatable {
    public enum Code: Sendable, Equatable {
        /// The connection failed, timed out or was cut (DNS, TCP, a 4G drop).
        case network
        /// TLS failed: the centre's certificate, our client certificate, or a pin.
        case tls
        /// The centre answered with a fault or "come back later" (5xx, 429).
        case centre
        /// The centre broke the protocol (a missing or impossible `Edge-Offset`).
        case protocolViolation
        /// A ring file could not be read, or an acknowledgement not recorded.
        case storage
        /// The destination's settings cannot work (a bad URL, an unreadable key file).
        case configuration
        /// `stop()` was called.
        case stopped
    }

    public var code: Code
    public var message: String
    /// The `CURLcode`, when libcurl made the error.
    public var curlCode: Int32?
    /// What the error came from below (a `SystemError` reading the ring, …).
    public var cause: (any Error & Sendable)?
    public var location: SourceLocation

    public init(
        _ code: Code, _ message: String, curlCode: Int32? = nil, cause: (any Error & Sendable)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
        self.cause = cause
        location = SourceLocation(file: file, line: line)
    }

    public var retryable: Bool { code != .stopped }
    public var isRetryable: Bool { retryable }
    public var description: String { message }

    public static func == (a: UplinkError, b: UplinkError) -> Bool {
        a.code == b.code && a.message == b.message && a.curlCode == b.curlCode
    }

    /// The one way a libcurl failure becomes an error: the `CURLcode`, libcurl's text for
    /// it, and the detail libcurl wrote into the `CURLOPT_ERRORBUFFER`.
    static func curl(_ result: CURLcode, detail: String, during what: String) -> UplinkError {
        let text = String(cString: curl_easy_strerror(result))
        let more = detail.isEmpty || detail == text ? "" : ": \(detail)"
        let code: Code
        switch result {
        case CURLE_ABORTED_BY_CALLBACK: code = .stopped
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE:
            code = .tls
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_UNKNOWN_OPTION, CURLE_OUT_OF_MEMORY,
             CURLE_FAILED_INIT, CURLE_BAD_FUNCTION_ARGUMENT:
            code = .configuration
        case CURLE_READ_ERROR: code = .storage
        default: code = .network
        }
        return UplinkError(code, "\(what): \(text) (CURLcode \(result.rawValue))\(more)", curlCode: Int32(result.rawValue))
    }
}
