import EdgeSystem

/// Why a release was refused or could not be made: a code to switch on (and to report to
/// the centre), a message that says what was wrong and what to do.
public typealias ReleaseError = CodedError<ReleaseErrorCode>

/// The codes of `ReleaseError`. Every refusal leaves what is installed as it was.
public enum ReleaseErrorCode: String, ErrorCode, CaseIterable {
    /// Reading the release or writing a slot failed (the message names the call and errno).
    case storage
    /// The file is not a release archive as RELEASE.md lays it out (a tar header, a
    /// padding or the end is not where and what it must be).
    case malformedArchive
    /// The archive ends before the size its manifest announces: a download cut short.
    case truncated
    /// No trusted release key made the manifest's signature, or the signature does not verify.
    case signature
    /// The signed manifest does not follow RELEASE.md (the message names the field).
    case malformedManifest
    /// The manifest's expiry time has passed: old metadata replayed, or a release kept too long.
    case expired
    /// The security version is below the one installed: a downgrade.
    case downgrade
    /// The release is for another board.
    case wrongBoard
    /// A pushed config is signed for another gateway.
    case wrongGateway
    /// The release cannot read the state directory's format.
    case stateFormat
    /// A file's size or SHA-256 differs from the signed manifest's.
    case fileMismatch
    /// Making the release failed (an input file, the key).
    case input

    public static var domain: String { "release" }
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool {
        self == .truncated || (self == .storage && Self.transientStorage(cause))
    }
}

extension CodedError where Code == ReleaseErrorCode {
    static func storage(_ error: SystemError, _ hint: String = "", file: String = #fileID, line: Int = #line) -> ReleaseError {
        ReleaseError(.storage, "\(error)" + (hint.isEmpty ? "" : "; \(hint)"), cause: error, file: file, line: line)
    }
}
