/// A point on `CLOCK_MONOTONIC`, in nanoseconds: the clock V4L2 stamps buffers with.
/// It never steps, so it orders and measures everything; the wall clock only labels.
public struct MonotonicInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }
    /// Saturating, as every operator on instants: the nanoseconds may come from a device
    /// (a V4L2 timestamp) or a file, and an absurd one must not trap the daemon.
    public static func + (a: Self, d: Duration) -> Self { Self(nanoseconds: a.nanoseconds.addingSaturated(d.nanoseconds)) }
    public static func - (a: Self, b: Self) -> Duration { .nanoseconds(a.nanoseconds.subtractingSaturated(b.nanoseconds)) }
    public var description: String { "mono \(Double(nanoseconds) / 1e9)s" }

    /// From a `timespec`/`timeval`-like pair (seconds and nanoseconds), saturating at the
    /// ends of what Int64 nanoseconds hold (about 292 years either way).
    public init(seconds: Int64, nanoseconds: Int64) {
        self.init(nanoseconds: Int64.nanoseconds(seconds: seconds, plus: nanoseconds) ?? (seconds < 0 ? .min : .max))
    }
}

/// A wall-clock time, in nanoseconds since the Unix epoch (`CLOCK_REALTIME`).
public struct WallTime: Comparable, Hashable, Sendable {
    public var nanosecondsSinceEpoch: Int64
    public init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }
    public static func < (a: Self, b: Self) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
    /// Saturating: wall times come from clocks, files and manifests, never trusted to be sane.
    public static func + (a: Self, d: Duration) -> Self {
        Self(nanosecondsSinceEpoch: a.nanosecondsSinceEpoch.addingSaturated(d.nanoseconds))
    }
    public static func - (a: Self, d: Duration) -> Self {
        Self(nanosecondsSinceEpoch: a.nanosecondsSinceEpoch.subtractingSaturated(d.nanoseconds))
    }
    /// The time from `b` to `a`, saturating.
    public static func - (a: Self, b: Self) -> Duration {
        .nanoseconds(a.nanosecondsSinceEpoch.subtractingSaturated(b.nanosecondsSinceEpoch))
    }

    /// The earliest and latest wall times Int64 nanoseconds hold:
    /// 1677-09-21T00:12:43.145224192Z and 2262-04-11T23:47:16.854775807Z.
    public static let earliest = WallTime(nanosecondsSinceEpoch: .min)
    public static let latest = WallTime(nanosecondsSinceEpoch: .max)

    /// From seconds and nanoseconds since 1970 (a `timespec`, a file's mtime); nil outside
    /// `earliest…latest`. A clock, a file system or a manifest can name a time Int64
    /// nanoseconds cannot hold (a bad RTC reading 2300, a forged manifest): refuse it.
    public init?(seconds: Int64, nanoseconds: Int64) {
        guard let ns = Int64.nanoseconds(seconds: seconds, plus: nanoseconds) else { return nil }
        self.init(nanosecondsSinceEpoch: ns)
    }

    /// The same, clamped to `earliest…latest` (for a clock that must always give a time).
    public init(clampingSeconds seconds: Int64, nanoseconds: Int64) {
        self = WallTime(seconds: seconds, nanoseconds: nanoseconds) ?? (seconds < 0 ? .earliest : .latest)
    }
}

extension Int64 {
    /// `seconds × 10⁹ + nanoseconds`, nil when that overflows.
    public static func nanoseconds(seconds: Int64, plus nanoseconds: Int64) -> Int64? {
        // Just before Int64.min, seconds × 10⁹ alone overflows although the sum fits
        // (1677-09-21T00:12:43.145224192Z): borrow a second from the fraction.
        if seconds < 0, (1..<1_000_000_000).contains(nanoseconds) {
            return Self.nanoseconds(seconds: seconds + 1, plus: nanoseconds - 1_000_000_000)
        }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (sum, overflowSum) = whole.addingReportingOverflow(nanoseconds)
        return overflowSum ? nil : sum
    }

    /// `self + other`, pinned to `.min`/`.max` instead of trapping.
    public func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : sum
    }

    /// `self - other`, pinned to `.min`/`.max` instead of trapping.
    public func subtractingSaturated(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
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
        let ts = Self.read(CLOCK_MONOTONIC)
        return MonotonicInstant(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }
    /// Clamped to `WallTime.earliest…latest`: a wall clock set past 2262 (a bad RTC, a
    /// spoofed time source) is reported as 2262 and as not synchronised
    /// (`ClockStatus.isSynchronised`), never a trap.
    public func wallNow() -> WallTime {
        let ts = Self.read(CLOCK_REALTIME)
        return WallTime(clampingSeconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }
    public func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool {
        let now = monotonicNow()
        if deadline <= now { return stop.isSignalled }
        return stop.wait(timeout: deadline - now)
    }
    static func read(_ clock: clockid_t) -> timespec {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return ts
    }
}
