import EdgeCore

/// A `ByteSink` that keeps everything in memory, and can be told to fail.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var flushes = 0
    /// Throw this from the next write.
    public var failNextWrite: (any Error)?

    public init() {}

    public func write(_ b: UnsafeRawBufferPointer) throws {
        if let e = failNextWrite {
            failNextWrite = nil
            throw e
        }
        bytes.append(contentsOf: b)
    }

    public func flush() throws { flushes += 1 }
}
