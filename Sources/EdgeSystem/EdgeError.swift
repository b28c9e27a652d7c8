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

/// A module's codes: what its errors are called in messages and whether one may pass.
public protocol ErrorCode: Sendable, Equatable {
    /// Put before every message (`age: `), or empty.
    static var domain: String { get }
    /// Whether the failed operation may succeed later, given what caused it.
    func isRetryable(cause: (any Error & Sendable)?) -> Bool
}

/// The error of a module whose errors are a code and a message: `AgeError`,
/// `CustodyError`… are this with their own `ErrorCode`. One definition of the shape,
/// instead of one copy per module.
public struct CodedError<Code: ErrorCode>: EdgeError, Equatable {
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

    public var description: String { Code.domain.isEmpty ? message : "\(Code.domain): \(message)" }
    public var isRetryable: Bool { code.isRetryable(cause: cause) }

    /// Equal when code and message are: where an error was made is not what it says.
    public static func == (a: Self, b: Self) -> Bool { a.code == b.code && a.message == b.message }
}

extension ErrorCode {
    /// The common rule: retry storage faults that may pass (a full or busy card).
    public static func transientStorage(_ cause: (any Error & Sendable)?) -> Bool {
        (cause as? SystemError)?.isTransient ?? false
    }
}
