/// Notices when the wall clock jumps (NTP stepping it, an operator setting it): the
/// distance between wall and monotonic time changes by more than `threshold` between two
/// looks. Slewing (NTP's gradual correction) stays far below a second per look.
public struct ClockSteps: Sendable {
    public let threshold: Duration
    private var offset: Int64?

    public init(threshold: Duration = .seconds(1)) { self.threshold = threshold }

    /// The step since the last look (positive: the clock jumped forward), or nil.
    ///
    /// A wall clock pinned at the end of what `WallTime` holds (an RTC reading 2300) does
    /// not move at all; that is not a step a second, so it is not looked at: the step is
    /// measured from the last time it could be read.
    public mutating func look(wall: WallTime, monotonic: MonotonicInstant) -> Duration? {
        guard wall != .latest, wall != .earliest else { return nil }
        let now = wall.nanosecondsSinceEpoch &- monotonic.nanoseconds
        defer { offset = now }
        guard let offset else { return nil }
        let step = now &- offset
        return step.magnitude > threshold.nanoseconds.magnitude ? .nanoseconds(step) : nil
    }
}
