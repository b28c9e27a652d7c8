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
