/// An open file descriptor with exactly one owner. It is closed by `close()` or, failing
/// that, when the owner lets go of it.
public final class FileDescriptor: @unchecked Sendable {
    // @unchecked: the descriptor is a plain integer; callers own the instance from one
    // thread at a time, as with a C `int fd`.
    public private(set) var rawValue: Int32
    /// What was opened (a path), for error messages.
    public let subject: String

    public init(adopting fd: Int32, subject: String) {
        self.rawValue = fd
        self.subject = subject
    }

    deinit {
        if rawValue >= 0 { _ = Glibc_close(rawValue) }
    }

    public var isOpen: Bool { rawValue >= 0 }

    /// Opens `path` with `flags` (always adding `O_CLOEXEC`).
    public static func open(
        _ path: String, _ flags: Int32, mode: mode_t = 0o644
    ) throws(SystemError) -> FileDescriptor {
        let fd = try retryingInterrupts("open", path) {
            Glibc_open(path, flags | O_CLOEXEC, mode)
        }
        return FileDescriptor(adopting: fd, subject: path)
    }

    /// Writes all of `bytes`, retrying short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = try retryingInterrupts("write", subject) {
                Glibc_write(rawValue, bytes.baseAddress! + offset, bytes.count - offset)
            }
            offset += n
        }
    }

    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var failure: SystemError?
        bytes.withUnsafeBytes { buffer in
            do throws(SystemError) { try writeAll(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads up to `count` bytes; an empty array means end of file.
    public func read(upTo count: Int) throws(SystemError) -> [UInt8] {
        let fd = rawValue
        return try Self.filled(count) { buffer throws(SystemError) in
            try retryingInterrupts("read", subject) { Glibc_read(fd, buffer, count) }
        }
    }

    /// Reads up to `count` bytes at `offset` (pread(2): the file offset stays where it
    /// is), fewer only where the file ends.
    public func read(upTo count: Int, at offset: Int64) throws(SystemError) -> [UInt8] {
        let fd = rawValue
        return try Self.filled(count) { buffer throws(SystemError) in
            var got = 0
            while got < count {
                let (position, overflow) = offset.addingReportingOverflow(Int64(got))
                guard !overflow else { throw SystemError(code: EOVERFLOW, call: "pread", subject: subject) }
                let read = try retryingInterrupts("pread", subject) { pread(fd, buffer + got, count - got, off_t(position)) }
                if read == 0 { break }
                got += read
            }
            return got
        }
    }

    /// An array of up to `count` bytes that `fill` writes straight into its storage (not
    /// zeroed first: frames are read this way), returning how many it wrote.
    private static func filled(
        _ count: Int, _ fill: (UnsafeMutableRawPointer) throws(SystemError) -> Int
    ) throws(SystemError) -> [UInt8] {
        // An empty array may have no buffer to hand to read(2).
        guard count > 0 else { return [] }
        var failure: SystemError?
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(SystemError) {
                initialized = try fill(UnsafeMutableRawPointer(buffer.baseAddress!))
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return out
    }

    /// Repositions the file offset; returns the new offset.
    @discardableResult
    public func seek(to offset: Int64, whence: Int32 = SEEK_SET) throws(SystemError) -> Int64 {
        Int64(try retryingInterrupts("lseek", subject) { lseek(rawValue, off_t(offset), whence) })
    }

    /// Flushes the file's data and metadata to the device.
    public func sync() throws(SystemError) {
        _ = try retryingInterrupts("fsync", subject) { fsync(rawValue) }
    }

    /// Closes the descriptor. A failed close (EIO on NFS, a pulled card) is reported,
    /// and the descriptor is gone either way.
    public func close() throws(SystemError) {
        guard rawValue >= 0 else { return }
        let fd = rawValue
        rawValue = -1
        if Glibc_close(fd) == -1, errno != EINTR {
            throw SystemError(code: errno, call: "close", subject: subject)
        }
    }
}

// The C functions under names that cannot collide with our methods.
@inline(__always) func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) func Glibc_open(_ p: String, _ f: Int32, _ m: mode_t) -> Int32 { open(p, f, m) }
@inline(__always) func Glibc_write(_ fd: Int32, _ b: UnsafeRawPointer, _ n: Int) -> Int { write(fd, b, n) }
@inline(__always) func Glibc_read(_ fd: Int32, _ b: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, b, n) }
@inline(__always) func Glibc_rename(_ a: String, _ b: String) -> Int32 { rename(a, b) }
