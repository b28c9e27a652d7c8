import EdgeSystem
import Testing

/// A wall clock that jumps is noticed; one that only drifts is not.
@Suite struct ClockStepsTests {
    @Test func stepsBothWaysAreSeenDriftIsNot() {
        var steps = ClockSteps()
        var mono = MonotonicInstant(nanoseconds: 1_000_000_000)
        var wall = WallTime(nanosecondsSinceEpoch: 1_764_400_000_000_000_000)
        #expect(steps.look(wall: wall, monotonic: mono) == nil)
        // A second passes on both, with 20 ms of slewing: no step.
        mono.nanoseconds += 1_000_000_000
        wall.nanosecondsSinceEpoch += 1_020_000_000
        #expect(steps.look(wall: wall, monotonic: mono) == nil)
        // NTP steps the clock 5 s forward, then 90 s back.
        wall.nanosecondsSinceEpoch += 5_000_000_000
        #expect(steps.look(wall: wall, monotonic: mono) == .seconds(5))
        wall.nanosecondsSinceEpoch -= 90_000_000_000
        #expect(steps.look(wall: wall, monotonic: mono) == .seconds(-90))
    }
}

/// Times from outside (a manifest, a file's mtime, the RTC) that Int64 nanoseconds cannot
/// hold are refused or clamped: never a trap.
@Suite struct WallTimeRangeTests {
    @Test func rfc3339OutsideTheRangeIsRefused() {
        #expect(WallTime(rfc3339: "2262-04-11T23:47:16.854775807Z") == WallTime.latest)
        #expect(WallTime(rfc3339: "2262-04-11T23:47:16.854775808Z") == nil)
        #expect(WallTime(rfc3339: "2263-01-01T00:00:00.000000000Z") == nil)
        #expect(WallTime(rfc3339: "9999-12-31T23:59:59.999999999Z") == nil)
        #expect(WallTime(rfc3339: "1677-09-21T00:12:43.145224192Z") == WallTime.earliest)
        #expect(WallTime(rfc3339: "1677-09-21T00:12:43.145224191Z") == nil)
        #expect(WallTime(rfc3339: "0000-01-01T00:00:00.000000000Z") == nil)
        #expect(WallTime.latest.rfc3339 == "2262-04-11T23:47:16.854775807Z")
        #expect(WallTime.earliest.rfc3339 == "1677-09-21T00:12:43.145224192Z")
    }

    @Test func clockReadingsAreClampedAndArithmeticSaturates() {
        let far = Int64(10_000_000_000)  // seconds: year 2286
        #expect(WallTime(seconds: far, nanoseconds: 0) == nil)
        #expect(WallTime(clampingSeconds: far, nanoseconds: 0) == WallTime.latest)
        #expect(WallTime(clampingSeconds: -far, nanoseconds: 0) == WallTime.earliest)
        #expect(WallTime(clampingSeconds: .max, nanoseconds: 999_999_999) == WallTime.latest)
        #expect(WallTime.latest + .seconds(1) == WallTime.latest)
        #expect(WallTime.earliest - .seconds(1) == WallTime.earliest)
        #expect(WallTime.latest - WallTime.earliest == .nanoseconds(Int64.max))
        #expect(MonotonicInstant(seconds: .max, nanoseconds: 0).nanoseconds == .max)
        #expect(MonotonicInstant(nanoseconds: .min) - MonotonicInstant(nanoseconds: 1) == .nanoseconds(Int64.min))
        #expect(WallTime(compactUTC: "22630101T000000Z") == nil)
    }

    @Test func plainDecimalsHaveOneSpelling() {
        #expect(UInt64(plainDecimal: "0") == 0)
        #expect(UInt64(plainDecimal: "42") == 42)
        #expect(UInt64(plainDecimal: "18446744073709551615") == .max)
        for bad in ["", "+5", "05", "-1", " 5", "5 ", "0x5", "1e3", "18446744073709551616", "٣"] {
            #expect(UInt64(plainDecimal: bad) == nil, "\(bad)")
        }
        #expect(Int64(plainDecimal: "9223372036854775808") == nil)
    }
}

@Suite struct PinnedClockTests {
    @Test func aClockPinnedAt2262IsNotASteppingClock() {
        var steps = ClockSteps()
        #expect(steps.look(wall: WallTime(nanosecondsSinceEpoch: 1_000_000_000_000_000_000), monotonic: MonotonicInstant(nanoseconds: 0)) == nil)
        for second in 1...5 {
            #expect(steps.look(wall: .latest, monotonic: MonotonicInstant(nanoseconds: Int64(second) * 1_000_000_000)) == nil)
        }
    }
}
