import EdgeSystem
import Synchronization

/// A token bucket of bytes: fills at `rate` bytes/s up to `burst`. Taking more than is
/// there leaves a debt that later takers wait out, so every transfer of a destination,
/// together, stays under the rate however many run at once.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Int64
    public let burst: Int64
    /// Bytes available now; negative is a debt.
    public private(set) var tokens: Double
    private var last: MonotonicInstant

    public init(rate: Int64, burst: Int64? = nil, now: MonotonicInstant) {
        precondition(rate > 0, "a rate cap must be positive")
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        tokens = Double(self.burst)
        last = now
    }

    /// Takes `count` bytes; returns when they may be sent (`now` when the bucket had them).
    public mutating func take(_ count: Int, now: MonotonicInstant) -> MonotonicInstant {
        if now > last {
            tokens = min(Double(burst), tokens + Double(rate) * Double((now - last).nanoseconds) / 1e9)
            last = now
        }
        tokens -= Double(count)
        guard tokens < 0 else { return now }
        return now + .nanoseconds(Int64((-tokens * 1e9 / Double(rate)).rounded(.up)))
    }
}

/// A destination's bucket, shared by its worker threads.
final class SharedTokenBucket: Sendable {
    private let bucket: Mutex<TokenBucket>
    init(_ bucket: TokenBucket) { self.bucket = Mutex(bucket) }
    func take(_ count: Int, now: MonotonicInstant) -> MonotonicInstant { bucket.withLock { $0.take(count, now: now) } }
}

/// The wait after a failure: 1 s doubling to 5 min, each drawn at random between half and
/// all of that (so hundreds of gateways cut off by the same outage do not come back in
/// step), or what the centre asked for in `Retry-After`, plus up to a tenth more.
public struct Backoff: Sendable, Equatable {
    public static let first = Duration.seconds(1)
    public static let limit = Duration.seconds(300)
    /// The longest `Retry-After` honoured: a bogus header does not park the uplink for days.
    public static let retryAfterLimit = Duration.seconds(3600)

    public private(set) var failures = 0
    public init() {}

    /// The delay before the `failures`-th retry, before jitter.
    public static func nominal(failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        let seconds = failures > 10 ? 300 : min(300, 1 << (failures - 1))
        return .seconds(seconds)
    }

    /// Records a failure; `random` is uniform in 0..<1.
    public mutating func failed(retryAfter: Duration? = nil, random: Double) -> Duration {
        failures += 1
        if let retryAfter {
            let asked = min(max(retryAfter, Self.first), Self.retryAfterLimit)
            return asked + .nanoseconds(Int64(Double(asked.nanoseconds) * 0.1 * random))
        }
        let nominal = Self.nominal(failures: failures)
        let jittered = Duration.nanoseconds(Int64(Double(nominal.nanoseconds) * (0.5 + 0.5 * random)))
        return max(Self.first, jittered)
    }

    public mutating func succeeded() { failures = 0 }

    /// `Retry-After` as delta-seconds (`120`). An HTTP-date gives nil: the back-off
    /// schedule applies instead, as the gateway's clock may not be set.
    public static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Int64(value.trimmingSpaces), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\r\n" { s.removeLast() }
        return String(s)
    }
}
