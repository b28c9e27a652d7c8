/// Where in the source an error was made (`#fileID:#line`), for reports and logs.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String = #fileID, line: Int = #line) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// The shape every module's error shares, as NIO's `FileSystemError` has it: the module's
/// own code to switch on, a message for people, the cause kept as a value (a
/// `SystemError` with its errno, an `OpenSSLError` with its queue, a curl code…), whether
/// trying again can help, and where the error was made. Decided where the error is made,
/// never guessed from its text later.
public protocol EdgeError: Error, Sendable, CustomStringConvertible {
    var message: String { get }
    /// What the error came from, when it came from below (nil when this is the origin).
    var cause: (any Error & Sendable)? { get }
    /// Whether the same operation may succeed later (a full disk, a dropped link), as
    /// opposed to never (a malformed file, a wrong key).
    var isRetryable: Bool { get }
    var location: SourceLocation { get }
}

extension SystemError {
    /// Errors that may pass (a full disk, an interrupted or busy device, a network fault).
    public var isTransient: Bool {
        [EAGAIN, EINTR, EBUSY, ENOSPC, EDQUOT, ENOMEM, ETIMEDOUT, EIO, ENXIO, ENODEV, EMFILE, ENFILE].contains(code)
    }
}
