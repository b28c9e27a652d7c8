import EdgeSystem

/// What went wrong in the segment ring.
public struct RingError: Error, Sendable, CustomStringConvertible {
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
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
