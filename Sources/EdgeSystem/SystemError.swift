/// A failed system call: which call, on what, and the `errno` it returned.
///
/// The message is meant for a technician: it names the call, the path and the C error.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C `errno` value.
    public var code: Int32
    /// The system call that failed (`open`, `write`, `fsync`…).
    public var call: String
    /// The path or object it was called on, when there is one.
    public var subject: String?

    public init(code: Int32, call: String, subject: String? = nil) {
        self.code = code
        self.call = call
        self.subject = subject
    }

    /// The symbolic name of the error (`ENOSPC`), or its number when unknown.
    public var name: String { SystemError.names[code] ?? "errno \(code)" }

    /// The C library's text for the error (`No space left on device`).
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        let on = subject.map { " \($0)" } ?? ""
        return "\(call)\(on): \(reason) (\(name))"
    }

    /// Errors that say the storage or device is gone or full, rather than a bug.
    public var isStorageFault: Bool { [ENOSPC, EIO, EROFS, ENODEV, ENXIO, EDQUOT].contains(code) }

    static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO",
        EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES",
        EBUSY: "EBUSY", EEXIST: "EEXIST", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR",
        EISDIR: "EISDIR", EINVAL: "EINVAL", ENOSPC: "ENOSPC", EROFS: "EROFS",
        EPIPE: "EPIPE", ENAMETOOLONG: "ENAMETOOLONG", ENOTEMPTY: "ENOTEMPTY",
        EDQUOT: "EDQUOT", ETIMEDOUT: "ETIMEDOUT", ENOTTY: "ENOTTY", EFBIG: "EFBIG",
        EMFILE: "EMFILE", ENFILE: "ENFILE", EXDEV: "EXDEV", ELOOP: "ELOOP", ESPIPE: "ESPIPE",
    ]
}

/// Calls `body` until it stops failing with `EINTR`; a result of -1 becomes a
/// `SystemError` carrying `errno`. The one place EINTR is retried.
@inline(__always)
public func retryingInterrupts<T: BinaryInteger>(
    _ call: String, _ subject: String? = nil, _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(code: code, call: call, subject: subject)
    }
}
