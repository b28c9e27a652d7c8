import EdgeCore
import EdgeSystem

/// Test-only fault switches, read from the environment at start; none is set in
/// production, and the daemon logs a warning when one is.
///
/// `EDGE_FAULT_HANG_CAPTURE_AFTER=SECONDS`: that long after a camera's source opened, its
/// capture loop hangs for good inside `nextFrame` (ignoring even a stop), as a wedged
/// driver would. The board uses it to prove the watchdog resets a stuck gateway.
package enum FaultSwitch {
    package static var hangCaptureAfter: Duration? {
        guard let text = getenv("EDGE_FAULT_HANG_CAPTURE_AFTER").map({ String(cString: $0) }), let seconds = Int(text),
            seconds >= 0
        else { return nil }
        return .seconds(seconds)
    }

    /// A source that hangs `after` its first open.
    final class HangingSource: FrameSource {
        let inner: any FrameSource
        let after: Duration
        let time: any TimeSource
        private var deadline: MonotonicInstant?

        init(_ inner: any FrameSource, after: Duration, time: any TimeSource) {
            self.inner = inner
            self.after = after
            self.time = time
        }

        var name: String { inner.name }

        func open() throws -> StreamFormat {
            let format = try inner.open()
            if deadline == nil { deadline = time.monotonicNow() + after }
            return format
        }

        func nextFrame(stop: Wakeup) throws -> Frame? {
            if let deadline, time.monotonicNow() >= deadline {
                while true { sleep(3600) }
            }
            return try inner.nextFrame(stop: stop)
        }

        func close() { inner.close() }
    }
}
