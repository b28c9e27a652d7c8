import EdgeSystem

/// What went wrong in the segment ring or the sealer above it.
public typealias RingError = CodedError<RingErrorCode>

/// The codes of `RingError`.
public enum RingErrorCode: ErrorCode {
    /// The storage refused a write (full, read-only, gone): retry when it is back.
    case storage
    /// libcrypto failed where it should not.
    case crypto
    /// The ring's own files are not what the ring writes.
    case corrupt

    public static var domain: String { "" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool { self == .storage }
}

