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

/// What a camera's source is doing, as the last control event said.
public enum CaptureState: String, Sendable, Equatable {
    /// Not opened yet.
    case starting
    /// Delivering frames.
    case streaming
    /// Lost (unplugged, stalled, failed); a reopen comes next.
    case lost
    /// Opening failed; trying again after a back-off.
    case reopening
}

/// A camera's state for status displays: where the source is, its format, and when the
/// newest frame was captured.
public struct CaptureStatus: Sendable {
    public var state: CaptureState = .starting
    public var format: StreamFormat?
    /// The newest frame's capture time; nil before the first.
    public var lastFrameAt: MonotonicInstant?
    /// Why the source was last lost or failed to open.
    public var lastFailure: String?
    /// The newest frame itself (shared, not copied), for a live snapshot.
    public var latestFrame: Frame?
    public init() {}

    mutating func note(_ event: CaptureEvent) {
        switch event {
        case .streaming(let format):
            state = .streaming
            self.format = format
        case .frame(let frame):
            lastFrameAt = frame.captureTime
            latestFrame = frame
        case .interrupted(let failure, _):
            state = .lost
            lastFailure = "\(failure)"
        case .openFailed(let failure, _):
            state = .reopening
            lastFailure = "\(failure)"
        }
    }
}
