import EdgeSystem

/// How much the ring may hold. Zero means no limit.
public struct RingBounds: Sendable, Equatable {
    public var maxBytes: Int64
    public var cameraMaxBytes: Int64
    /// Segments whose recorded end is older than this are evicted — only when both that
    /// end and the clock now are synchronised, so an unset clock never evicts anything.
    public var maxAge: Duration?
    /// Free space the filesystem keeps (statvfs).
    public var minFreeBytes: Int64
    /// When full: evict unsent segments too (with a loss record), or stop recording.
    public var evictUnsent: Bool
    public var holdMaxBytes: Int64

    public init(maxBytes: Int64 = 0, cameraMaxBytes: Int64 = 0, maxAge: Duration? = nil, minFreeBytes: Int64 = 64 << 20, evictUnsent: Bool = true, holdMaxBytes: Int64 = 1 << 30) {
        self.maxBytes = maxBytes
        self.cameraMaxBytes = cameraMaxBytes
        self.maxAge = maxAge
        self.minFreeBytes = minFreeBytes
        self.evictUnsent = evictUnsent
        self.holdMaxBytes = holdMaxBytes
    }
}

/// What the ring keeps of one finished segment.
struct RingEntry: Sendable {
    var sequence: UInt64
    var stem: String
    /// The segment file, or 0 once evicted (its manifest stays: it is part of the chain).
    var segmentBytes: Int64
    var manifestBytes: Int64
    var uploaded: Bool

    var bytes: Int64 { segmentBytes + manifestBytes }
    var isEvicted: Bool { segmentBytes == 0 }
}

/// Free space on the filesystem holding `path`, from statvfs(3); nil when it cannot be
/// read (the storage is gone).
public func freeBytes(at path: String) -> Int64? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return Int64(info.f_bavail) * Int64(info.f_frsize)
}
