/// Notices when the wall clock jumps (NTP stepping it, an operator setting it): the
/// distance between wall and monotonic time changes by more than `threshold` between two
/// looks. Slewing (NTP's gradual correction) stays far below a second per look.
public struct ClockSteps: Sendable {
    public let threshold: Duration
    private var offset: Int64?

    public init(threshold: Duration = .seconds(1)) { self.threshold = threshold }

    /// The step since the last look (positive: the clock jumped forward), or nil.
    public mutating func look(wall: WallTime, monotonic: MonotonicInstant) -> Duration? {
        let now = wall.nanosecondsSinceEpoch &- monotonic.nanoseconds
        defer { offset = now }
        guard let offset else { return nil }
        let step = now &- offset
        return step.magnitude > threshold.nanoseconds.magnitude ? .nanoseconds(step) : nil
    }
}
