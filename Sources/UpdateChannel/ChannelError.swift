import EdgeSystem
import Uplink

/// Why a round of the update channel did not finish: a code for what to do next (retry
/// with back-off, or not), a message for the log and the report.
public typealias ChannelError = CodedError<ChannelErrorCode>

public enum ChannelErrorCode: ErrorCode {
    /// The centre could not be reached, or the transfer was cut: retried, a download resumed.
    case network
    /// The centre answered with a fault or refusal (the message has its status and words).
    case centre
    /// The centre's answer is not what PROTOCOL.md says (a desired state, a range).
    case malformed
    /// The downloaded archive is whole but not the announced SHA-256: it was discarded.
    case hashMismatch
    /// Writing the download failed (a full card: retried later).
    case storage

    public static var domain: String { "update channel" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool {
        switch self {
        case .network, .centre, .hashMismatch: true
        case .storage: Self.transientStorage(cause)
        case .malformed: false
        }
    }
}

extension CodedError where Code == ChannelErrorCode {
    init(_ error: UplinkError, during what: String) {
        let code: ChannelErrorCode = error.code == .storage ? .storage : error.code == .protocolViolation ? .malformed : .network
        self.init(code, "\(what): \(error.message)", cause: error.cause ?? error)
    }
}
