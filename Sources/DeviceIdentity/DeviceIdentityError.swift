import EdgeCrypto
import EdgeSystem

/// Why the device key could not be loaded, made or used.
public typealias DeviceIdentityError = CodedError<DeviceIdentityErrorCode>

/// The codes of `DeviceIdentityError`.
public enum DeviceIdentityErrorCode: ErrorCode {
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

    public static var domain: String { "device identity" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool { self == .storage && Self.transientStorage(cause) }
}

extension CodedError where Code == DeviceIdentityErrorCode {
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

