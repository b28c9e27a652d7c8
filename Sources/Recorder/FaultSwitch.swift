import EdgeCore
import EdgeSystem

/// Test-only fault switches, compiled only into builds with `EDGE_FAULTS` defined: every
/// debug build (the tests) and the QEMU board's (`Tools/board.d/image.sh`), never a field
/// release. Read once, at start; the daemon logs a warning when one is set.
///
/// `EDGE_FAULT_HANG_CAPTURE_AFTER=SECONDS`: that long after a camera's source opened, its
/// capture loop hangs for good inside `nextFrame` (ignoring even a stop), as a wedged
/// driver would. The board uses it to prove the watchdog resets a stuck gateway.
package enum FaultSwitch {
    #if EDGE_FAULTS
    package static let hangCaptureAfter: Duration? = {
        guard let text = getenv("EDGE_FAULT_HANG_CAPTURE_AFTER").map({ String(cString: $0) }),
            let seconds = Int(plainDecimal: text)
        else { return nil }
        return .seconds(seconds)
    }()

    /// `make`'s sources, hanging `hangCaptureAfter` after their first open when it is set.
    static func wrap(_ make: @escaping @Sendable () -> any FrameSource, time: any TimeSource) -> @Sendable () -> any FrameSource {
        guard let after = hangCaptureAfter else { return make }
        return { HangingSource(make(), after: after, time: time) }
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
    #else
    /// A field build has no fault switch.
    package static let hangCaptureAfter: Duration? = nil

    static func wrap(_ make: @escaping @Sendable () -> any FrameSource, time: any TimeSource) -> @Sendable () -> any FrameSource {
        make
    }
    #endif
}
