import EdgeCore
import EdgeSystem

/// Where finished segments live. The plaintext directory store is the first; the sealed,
/// crash-safe ring implements the same protocol.
public protocol SegmentStore: AnyObject {
    /// Starts a new segment file for `opening.camera`; the segment's number is the
    /// store's to give, since only the store knows what is on disk.
    func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput

    /// Records that `camera` recorded nothing from `from` to `to`, and why.
    func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) throws
}

/// A segment being written: the Matroska writer writes into it.
public protocol SegmentOutput: ByteSink {
    /// The segment's number in its camera's chain.
    var sequence: UInt64 { get }
    /// Where it will be once committed.
    var path: String { get }
    /// Makes the segment durable and visible under its final name.
    func commit(_ summary: SegmentSummary) throws
    /// Gives up on the segment after a write error. What reached the disk stays under its
    /// temporary name, for recovery to salvage; nothing half-written gets a final name.
    func abandon()
}

/// What is known when a segment starts.
public struct SegmentOpening: Sendable {
    public var camera: String
    public var format: StreamFormat
    public var startWall: WallTime
    public var startMonotonic: MonotonicInstant
    public init(camera: String, format: StreamFormat, startWall: WallTime, startMonotonic: MonotonicInstant) {
        self.camera = camera
        self.format = format
        self.startWall = startWall
        self.startMonotonic = startMonotonic
    }
}

/// What a closed segment holds.
public struct SegmentSummary: Sendable, Equatable {
    public enum EndReason: String, Sendable {
        /// Cut at a keyframe after the segment length.
        case cut
        /// The camera stopped delivering.
        case interrupted
        /// The recorder is shutting down or reconfiguring.
        case shutdown
        /// The stream's format or parameter sets changed.
        case formatChanged = "format-changed"
    }
    public var camera: String
    public var sequence: UInt64
    public var frames: Int
    /// The camera-timeline numbers of the first and last frame in the segment.
    public var firstFrame: UInt64
    public var lastFrame: UInt64
    public var startWall: WallTime
    public var startMonotonic: MonotonicInstant
    /// From the first frame's capture to the end of the last frame's display time.
    public var duration: Duration
    public var bytes: Int
    public var reason: EndReason
    public var format: StreamFormat
}
