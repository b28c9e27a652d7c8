import COpenSSL
import EdgeSystem

/// Why the device key could not be loaded, made or used.
public struct DeviceIdentityError: Error, Sendable, Equatable, CustomStringConvertible {
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

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "device identity: \(message)" }

    static func storage(_ error: SystemError, _ hint: String = "") -> DeviceIdentityError {
        DeviceIdentityError(.storage, "\(error)" + (hint.isEmpty ? "" : "; \(hint)"))
    }

    /// A failed libcrypto call, with OpenSSL's error queue drained whole (the first entry
    /// is rarely the root cause, and leftovers would be blamed on the next call).
    static func crypto(_ call: String) -> DeviceIdentityError {
        var queue: [String] = []
        var line = [CChar](repeating: 0, count: 256)
        var code = ERR_get_error()
        while code != 0 {
            line.withUnsafeMutableBufferPointer {
                ERR_error_string_n(code, $0.baseAddress, $0.count)
                queue.append(String(cString: $0.baseAddress!))
            }
            code = ERR_get_error()
        }
        return DeviceIdentityError(.crypto, "\(call): " + (queue.isEmpty ? "failed" : queue.joined(separator: "; ")))
    }
}
