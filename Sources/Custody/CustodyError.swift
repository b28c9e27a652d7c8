import EdgeSystem

/// Why sealing or chaining failed: a code to switch on, a message to read.
public struct CustodyError: EdgeError, Equatable {
    public enum Code: Sendable, Equatable {
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

    public var description: String { "custody: \(message)" }

    /// A full or failing card may come back; a damaged state file or a refused key will not.
    public var isRetryable: Bool { code == .storage && (cause as? SystemError)?.isTransient == true }

    public static func == (a: CustodyError, b: CustodyError) -> Bool { a.code == b.code && a.message == b.message }

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
