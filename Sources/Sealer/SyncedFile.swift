import EdgeCore
import EdgeSystem
import SegmentRing

/// The end of a sink chain: a file written through a 64 KiB buffer, in large sequential
/// writes (SD cards wear out), and fsynced at least every `syncInterval` so a power cut
/// loses at most that much of it.
final class SyncedFile: ByteSink {
    private let file: FileDescriptor
    private let time: any TimeSource
    private let syncInterval: Duration
    private var lastSync: MonotonicInstant
    private var buffer: [UInt8] = []
    private static let bufferSize = 64 * 1024
    /// Bytes handed to the kernel, for the write-amplification figure.
    private(set) var bytesWritten: Int64 = 0

    init(path: String, time: any TimeSource, syncInterval: Duration) throws(SystemError) {
        file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o640)
        self.time = time
        self.syncInterval = syncInterval
        lastSync = time.monotonicNow()
        buffer.reserveCapacity(Self.bufferSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.bufferSize { try drain() }
        if bytes.count >= Self.bufferSize {
            try file.writeAll(bytes)
            bytesWritten += Int64(bytes.count)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes what is buffered and fsyncs when the interval has passed.
    func flush() throws {
        try drain()
        let now = time.monotonicNow()
        if now - lastSync >= syncInterval {
            try file.sync()
            lastSync = now
        }
    }

    /// Everything to the device, then close.
    func finish() throws {
        try drain()
        try file.sync()
        try file.close()
    }

    func abandon() { try? file.close() }

    private func drain() throws {
        guard !buffer.isEmpty else { return }
        try file.writeAll(buffer)
        bytesWritten += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}
