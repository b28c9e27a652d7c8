import EdgeSystem

/// Why sealing or chaining failed: a code to switch on, a message to read.
public typealias CustodyError = CodedError<CustodyErrorCode>

/// The codes of `CustodyError`.
public enum CustodyErrorCode: ErrorCode {
    /// Reading or writing chain state failed (the message names the call and errno).
    case storage
    /// The chain state file exists but does not parse: it is never silently reset,
    /// since that would reuse sequence numbers.
    case corruptState
    /// A camera id that cannot be a file name (`[A-Za-z0-9._-]`, 1–64, no leading dot).
    case invalidCamera
    /// Sealing a sequence number that was not reserved, already sealed, or is below
    /// the chain head (see MANIFEST.md, "Reservations").
    case notReserved
    /// The device key refused to sign, or libcrypto failed.
    case crypto

    public static var domain: String { "custody" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool { self == .storage && Self.transientStorage(cause) }
}

extension CodedError where Code == CustodyErrorCode {
    static func storage(_ error: SystemError, file: String = #fileID, line: Int = #line) -> CustodyError {
        CustodyError(.storage, "\(error)", cause: error, file: file, line: line)
    }
}


/// A manifest that does not follow MANIFEST.md, naming the field at fault
/// (`start.wall`, `ciphertext.sha256`; `(document)` for the whole).
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "manifest field \"\(field)\": \(problem)" }
}
