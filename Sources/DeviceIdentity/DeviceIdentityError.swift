import EdgeCrypto
import EdgeSystem

/// Why the device key could not be loaded, made or used.
public struct DeviceIdentityError: EdgeError, Equatable {
    public enum Code: Sendable, Equatable {
        /// Reading or writing the key file failed (see `message` for the call and errno).
        case storage
        /// The key file exists but does not hold an Ed25519 private key.
        case malformedKeyFile
        /// A minisign public key or signature text did not parse.
        case malformedMinisign
        /// A trusted comment would break the signature file (it holds a line break).
        case invalidComment
        /// libcrypto refused an operation that should not fail.
        case crypto
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

    public var description: String { "device identity: \(message)" }

    public var isRetryable: Bool { code == .storage && (cause as? SystemError)?.isTransient == true }

    public static func == (a: DeviceIdentityError, b: DeviceIdentityError) -> Bool { a.code == b.code && a.message == b.message }

    static func storage(_ error: SystemError, _ hint: String = "", file: String = #fileID, line: Int = #line) -> DeviceIdentityError {
        DeviceIdentityError(.storage, "\(error)" + (hint.isEmpty ? "" : "; \(hint)"), cause: error, file: file, line: line)
    }

    /// A failed libcrypto call, with OpenSSL's error queue drained whole as the cause.
    static func crypto(_ call: String, file: String = #fileID, line: Int = #line) -> DeviceIdentityError {
        crypto(OpenSSLError(call, file: file, line: line))
    }

    static func crypto(_ error: OpenSSLError) -> DeviceIdentityError {
        DeviceIdentityError(.crypto, error.message, cause: error, file: error.location.file, line: error.location.line)
    }
}
