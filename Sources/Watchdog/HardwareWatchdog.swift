#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinux
import EdgeSystem

/// What the watchdog runner kicks: the hardware device, or a test's stand-in.
public protocol WatchdogDevice: Sendable {
    /// The timeout the device runs with.
    var timeoutSeconds: Int { get }
    func kick() throws(SystemError)
    /// A clean shutdown: the magic close ('V'), which disarms the device.
    func disarm()
}

/// `/dev/watchdog` (i6300esb on the board, the SoC's watchdog on a gateway): opened,
/// given its timeout (WDIOC_SETTIMEOUT), kicked with WDIOC_KEEPALIVE. Only `disarm()`
/// writes the magic 'V' before closing; a crash closes the descriptor without it, so the
/// board resets — that is the point.
public final class HardwareWatchdog: WatchdogDevice, @unchecked Sendable {
    // @unchecked: the descriptor is used from the watchdog runner's one thread.
    public let path: String
    public let identity: String
    public let timeoutSeconds: Int
    private var fd: Int32

    public init(path: String, timeoutSeconds: Int) throws(SystemError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(code: errno, call: "open", subject: path) }
        var name = [CChar](repeating: 0, count: 64)
        identity =
            edge_watchdog_identity(fd, &name, 64) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        var granted = Int32(timeoutSeconds)
        if edge_watchdog_set_timeout(fd, &granted) != 0 {
            let code = errno
            // Still armed at its default timeout: disarm before giving up.
            _ = write(fd, "V", 1)
            close(fd)
            throw SystemError(code: code, call: "ioctl WDIOC_SETTIMEOUT \(timeoutSeconds)", subject: path)
        }
        self.timeoutSeconds = Int(granted)
    }

    public func kick() throws(SystemError) {
        guard fd >= 0 else { return }
        if edge_watchdog_keepalive(fd) != 0 { throw SystemError(code: errno, call: "ioctl WDIOC_KEEPALIVE", subject: path) }
    }

    public func disarm() {
        guard fd >= 0 else { return }
        _ = write(fd, "V", 1)
        close(fd)
        fd = -1
    }
}
