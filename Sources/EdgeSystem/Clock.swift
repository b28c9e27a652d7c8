/// A point on `CLOCK_MONOTONIC`, in nanoseconds: the clock V4L2 stamps buffers with.
/// It never steps, so it orders and measures everything; the wall clock only labels.
public struct MonotonicInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: Self, d: Duration) -> Self { Self(nanoseconds: a.nanoseconds + d.nanoseconds) }
    public static func - (a: Self, b: Self) -> Duration { .nanoseconds(a.nanoseconds - b.nanoseconds) }
    public var description: String { "mono \(Double(nanoseconds) / 1e9)s" }
}

/// A wall-clock time, in nanoseconds since the Unix epoch (`CLOCK_REALTIME`).
public struct WallTime: Comparable, Hashable, Sendable {
    public var nanosecondsSinceEpoch: Int64
    public init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }
    public static func < (a: Self, b: Self) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
    public static func + (a: Self, d: Duration) -> Self {
        Self(nanosecondsSinceEpoch: a.nanosecondsSinceEpoch + d.nanoseconds)
    }
    public static func - (a: Self, d: Duration) -> Self {
        Self(nanosecondsSinceEpoch: a.nanosecondsSinceEpoch - d.nanoseconds)
    }
}

extension Duration {
    /// The duration as a whole number of nanoseconds (saturating far beyond any segment).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowSum) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowSum ? (whole < 0 ? .min : .max) : sum
    }
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}

/// Where time comes from. Injected everywhere, so tests run on a manual clock.
public protocol TimeSource: Sendable {
    func monotonicNow() -> MonotonicInstant
    func wallNow() -> WallTime
    /// Blocks the calling thread until `deadline`, or until `stop` is signalled.
    /// Returns true when woken by `stop`.
    func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool
}

/// The kernel's clocks.
public struct SystemTime: TimeSource {
    public init() {}
    public func monotonicNow() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: Self.read(CLOCK_MONOTONIC))
    }
    public func wallNow() -> WallTime {
        WallTime(nanosecondsSinceEpoch: Self.read(CLOCK_REALTIME))
    }
    public func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool {
        let now = monotonicNow()
        if deadline <= now { return stop.isSignalled }
        return stop.wait(timeout: deadline - now)
    }
    static func read(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
