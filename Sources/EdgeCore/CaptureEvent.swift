import EdgeSystem

/// What a camera's capture thread hands to the async side.
public enum CaptureEvent: Sendable {
    /// The source opened (or reopened) and streams in this format.
    case streaming(StreamFormat)
    /// A picture.
    case frame(Frame)
    /// The source stopped delivering at `at`; the open segment must close and the time
    /// until the next `.streaming` is a gap in the recording.
    case interrupted(SourceFailure, at: MonotonicInstant)
    /// Opening the source failed; the next attempt comes after `retryIn`.
    case openFailed(SourceFailure, retryIn: Duration)
}

/// Counters for one camera, updated by its capture thread and read by anyone.
public struct CaptureCounters: Sendable, Equatable {
    /// Frames handed to the recorder.
    public var delivered: UInt64 = 0
    /// Frames thrown away because the recorder fell behind (oldest first).
    public var droppedBehind: UInt64 = 0
    /// Frames the driver skipped (gaps in its sequence numbers).
    public var droppedByDevice: UInt64 = 0
    /// How often the source was lost and reopened.
    public var interruptions: UInt64 = 0
    public init() {}

    /// Every frame that was captured or should have been but was not recorded.
    public var dropped: UInt64 { droppedBehind + droppedByDevice }
}
