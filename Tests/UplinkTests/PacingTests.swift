import EdgeSystem
import Testing
@testable import Uplink

@Suite struct PacingTests {
    let t0 = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    @Test func tokenBucketMath() {
        var b = TokenBucket(rate: 1000, burst: 1000, now: t0)
        #expect(b.take(1000, now: t0) == t0)  // the burst is there at once
        #expect(b.take(500, now: t0) == t0 + .milliseconds(500))  // then 1000 B/s
        #expect(b.take(500, now: t0 + .milliseconds(500)) == t0 + .seconds(1))  // debts queue up
        #expect(b.tokens == -500)
        // Idle for a long time: back to the burst, no more.
        #expect(b.take(1000, now: t0 + .seconds(60)) == t0 + .seconds(60))
        #expect(b.tokens == 0)
    }

    @Test func tokenBucketHoldsTheRateOverManyTakes() {
        var b = TokenBucket(rate: 64 << 10, burst: 64 << 10, now: t0)
        var now = t0
        for _ in 0..<100 { now = max(now, b.take(16 << 10, now: now)) }
        // 100 × 16 KiB = 1600 KiB at 64 KiB/s, less the 64 KiB burst: 24 s.
        #expect(now - t0 == .seconds(24))
    }

    @Test func backoffDoublesFromOneSecondToFiveMinutes() {
        #expect((1...12).map { Backoff.nominal(failures: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map { Duration.seconds($0) })
        #expect(Backoff.nominal(failures: 1000) == .seconds(300))
    }

    @Test func jitterStaysWithinHalfToAll() {
        for failures in 1...12 {
            let nominal = Backoff.nominal(failures: failures)
            for random in [0.0, 0.25, 0.999_999] {
                var b = Backoff()
                var d = Duration.zero
                for _ in 0..<failures { d = b.failed(random: random) }
                #expect(d >= max(.seconds(1), nominal / 2) && d <= nominal)
            }
        }
        var b = Backoff()
        _ = b.failed(random: 0.5)
        b.succeeded()
        #expect(b.failed(random: 0.999_999) <= .seconds(1))
    }

    @Test func retryAfterWinsWithUpToATenthMore() {
        var b = Backoff()
        #expect(b.failed(retryAfter: .seconds(120), random: 0) == .seconds(120))
        #expect(b.failed(retryAfter: .seconds(120), random: 0.999_999) <= .seconds(132))
        #expect(b.failed(retryAfter: .seconds(86_400), random: 0) == Backoff.retryAfterLimit)
        #expect(b.failed(retryAfter: .zero, random: 0) == .seconds(1))
        #expect(Backoff.retryAfter(" 120 ") == .seconds(120))
        #expect(Backoff.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT") == nil)
        #expect(Backoff.retryAfter(nil) == nil)
    }

    @Test func windows() {
        let night = UploadWindow(startMinute: 22 * 60, endMinute: 6 * 60)
        #expect(night.contains(minuteOfDay: 23 * 60) && night.contains(minuteOfDay: 5 * 60 + 59))
        #expect(!night.contains(minuteOfDay: 6 * 60) && !night.contains(minuteOfDay: 12 * 60))
        let noon = WallTime(nanosecondsSinceEpoch: 1_764_417_600 * 1_000_000_000)  // 2025-11-29 12:00 UTC
        #expect(UploadWindow.waitBeforeOpening([night], now: noon) == .seconds(10 * 3600))
        #expect(UploadWindow.waitBeforeOpening([], now: noon) == nil)
        #expect(UploadWindow.waitBeforeOpening([UploadWindow(startMinute: 0, endMinute: 1440)], now: noon) == nil)
    }
}
