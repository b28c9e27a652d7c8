import EdgeSystem
import Release

/// Why an update, a commit or a rollback was not done. What runs is left as it was.
public typealias UpdateError = CodedError<UpdateErrorCode>

/// The codes of `UpdateError`.
public enum UpdateErrorCode: ErrorCode {
    /// The release was refused (signature, expiry, downgrade, board, a file…).
    case refused(ReleaseErrorCode)
    /// The release was installed before and failed its probation: it is never retried.
    case markedBad
    /// Another release is on probation: it must commit or roll back first.
    case onProbation
    /// Another update step holds the update lock.
    case busy
    /// There is nothing to commit or to roll back to.
    case nothingToDo
    /// The slots or the update state are not as this firmware leaves them.
    case corruptState
    /// The gateway's own update files are missing or unreadable (its board name, the
    /// release key installed with the firmware): no release can be checked.
    case setup
    /// Reading or writing the slots or the state failed (the message names the call).
    case storage

    public static var domain: String { "update" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool {
        switch self {
        case .refused(let code): code.isRetryable(cause: cause)
        case .storage: Self.transientStorage(cause)
        case .onProbation, .busy: true
        default: false
        }
    }
}

extension CodedError where Code == UpdateErrorCode {
    static func storage(_ error: SystemError, _ hint: String = "", file: String = #fileID, line: Int = #line) -> UpdateError {
        UpdateError(.storage, "\(error)" + (hint.isEmpty ? "" : "; \(hint)"), cause: error, file: file, line: line)
    }

    /// A release's refusal; its storage failures (a full card) stay storage failures.
    init(_ error: ReleaseError) {
        self.init(error.code == .storage ? .storage : .refused(error.code), error.message, cause: error.cause, file: error.location.file, line: error.location.line)
    }
}
