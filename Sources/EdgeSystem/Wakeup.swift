import CLinux

/// An `eventfd` that another thread can signal to wake a thread blocked in `poll`.
///
/// A capture loop polls its device and this descriptor together, so shutdown never
/// waits for a frame that will not come. Once signalled it stays signalled.
public final class Wakeup: Sendable {
    public let fd: Int32

    public init() throws(SystemError) {
        let fd = edge_eventfd(0, edge_EFD_CLOEXEC | edge_EFD_NONBLOCK)
        if fd == -1 { throw SystemError(code: errno, call: "eventfd") }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Wakes every waiter, now and later.
    public func signal() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(fd, $0.baseAddress!, 8) }
    }

    /// Whether `signal()` has been called.
    public var isSignalled: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 1
    }

    /// Sleeps up to `timeout`, returning early (true) when signalled.
    @discardableResult
    public func wait(timeout: Duration) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        // Rounded up to whole milliseconds; Int64.max nanoseconds must not overflow.
        let ns = timeout.nanoseconds
        let ms = max(0, Int32(clamping: ns / 1_000_000 + (ns % 1_000_000 > 0 ? 1 : 0)))
        while true {
            let r = poll(&p, 1, ms)
            if r == -1 && errno == EINTR { continue }
            return r == 1
        }
    }
}
