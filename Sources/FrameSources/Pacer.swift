import EdgeSystem

/// Releases frames at a fixed rate on the monotonic clock, as a camera would.
///
/// Frame `n` is due at `start + n × interval`. A pacer that falls more than a frame
/// behind skips the frames it missed (as a sensor does) instead of bursting to catch
/// up; the skipped numbers show up as drops.
struct Pacer {
    let interval: Duration
    let time: any TimeSource
    private var start: MonotonicInstant?
    private(set) var next: UInt64 = 0

    init(interval: Duration, time: any TimeSource) {
        self.interval = interval
        self.time = time
    }

    /// Waits for the next frame's instant. Returns its sequence number and capture time,
    /// or nil when `stop` is signalled first.
    mutating func waitForNextFrame(stop: Wakeup) -> (sequence: UInt64, at: MonotonicInstant)? {
        let now = time.monotonicNow()
        let origin = start ?? now
        start = origin
        var due = origin + interval * Int(next)
        if now - due > interval {
            let behind = (now - due).nanoseconds / interval.nanoseconds
            next += UInt64(behind)
            due = origin + interval * Int(next)
        }
        if time.wait(until: due, orStop: stop) { return nil }
        defer { next += 1 }
        return (next, due)
    }
}
