#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the reader gets encrypted bytes, in order: a file, a socket, memory.
public protocol AgeByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 only at end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads from a file descriptor the caller owns and closes.
public final class FileDescriptorByteSource: AgeByteSource {
    public let fileDescriptor: Int32

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            let code = errno
            if code == EINTR { continue }
            throw AgeError(.io, "read from descriptor \(fileDescriptor) failed: \(String(cString: strerror(code)))")
        }
    }
}

/// Reads from bytes already in memory (tests, small files).
public final class ByteArraySource: AgeByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}

/// A fixed-size window over a source, so the header can be read line by line and each
/// payload chunk decrypted in place, with one byte of look-ahead to tell the final chunk
/// from a middle one. Memory is bounded by `capacity` whatever the file size.
final class BufferedSource {
    private let source: any AgeByteSource
    private var storage: [UInt8]
    private var start = 0
    private var end = 0
    private var reachedEnd = false

    init(_ source: any AgeByteSource, capacity: Int = 2 * (65536 + 16) + 1) {
        self.source = source
        storage = [UInt8](repeating: 0, count: capacity)
    }

    /// The bytes read but not yet consumed.
    var available: Int { end - start }

    /// Reads until at least `count` bytes are available or the input ends; returns
    /// whether `count` bytes are available.
    @discardableResult
    func fill(atLeast count: Int) throws -> Bool {
        precondition(count <= storage.count, "look-ahead larger than the buffer")
        if available >= count { return true }
        if start > 0 {  // slide the unread tail to the front before reading more
            storage.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
            }
            end -= start
            start = 0
        }
        while end < count && !reachedEnd {
            let read = try storage.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
            if read == 0 { reachedEnd = true } else { end += read }
        }
        return available >= count
    }

    /// Whether the input has nothing left.
    func isAtEnd() throws -> Bool { try !fill(atLeast: 1) }

    /// Up to `count` unread bytes, without consuming them.
    func peek(_ count: Int) -> ArraySlice<UInt8> {
        storage[start..<start + min(count, available)]
    }

    /// Calls `body` with the first `count` unread bytes (count ≤ available).
    func withUnread<T>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        precondition(count <= available)
        return try storage.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<start + count]))
        }
    }

    func consume(_ count: Int) {
        precondition(count <= available)
        start += count
    }

    /// The next line including its `\n`, or, at the end of input, whatever is left
    /// (possibly empty) without one. Nil when a line is longer than `limit`.
    func readLine(limit: Int) throws -> [UInt8]? {
        var scanned = 0
        while true {
            if let newline = storage[(start + scanned)..<end].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(storage[start...newline])
                start = newline + 1
                return line
            }
            scanned = available
            if scanned > limit { return nil }
            if try !fill(atLeast: scanned + 1) {
                let rest = Array(storage[start..<end])
                start = end
                return rest
            }
        }
    }
}
