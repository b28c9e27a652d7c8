import EdgeSystem
import Synchronization

/// A clock that moves only when told to, or when a waiter waits: `wait(until:)` jumps
/// straight to the deadline, so paced sources run at full speed in tests, with exact
/// timestamps and no sleeps.
public final class ManualTime: TimeSource {
    private let state: Mutex<(mono: Int64, wall: Int64)>

    public init(monotonic: Int64 = 1_000_000_000_000, wall: Int64 = 1_764_400_000 * 1_000_000_000) {
        state = Mutex((monotonic, wall))
    }

    public func monotonicNow() -> MonotonicInstant { MonotonicInstant(nanoseconds: state.withLock { $0.mono }) }
    public func wallNow() -> WallTime { WallTime(nanosecondsSinceEpoch: state.withLock { $0.wall }) }

    public func advance(by d: Duration) {
        state.withLock {
            $0.mono += d.nanoseconds
            $0.wall += d.nanoseconds
        }
    }

    /// Moves only the wall clock, as NTP stepping the clock would.
    public func stepWallClock(by d: Duration) { state.withLock { $0.wall += d.nanoseconds } }

    public func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool {
        if stop.isSignalled { return true }
        state.withLock { s in
            let delta = max(0, deadline.nanoseconds - s.mono)
            s.mono += delta
            s.wall += delta
        }
        return false
    }
}
