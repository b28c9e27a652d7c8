import EdgeSystem

/// What went wrong in the segment ring or the sealer above it.
public struct RingError: EdgeError {
    public enum Code: Sendable, Equatable {
        /// The storage refused a write (full, read-only, gone): retry when it is back.
        case storage
        /// libcrypto failed where it should not.
        case crypto
        /// The ring's own files are not what the ring writes.
        case corrupt
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

    public var description: String { message }
    public var isRetryable: Bool { code == .storage }
}
