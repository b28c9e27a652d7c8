#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EdgeSystem

/// sd_notify(3), written natively: datagrams to `$NOTIFY_SOCKET` (a path, or an abstract
/// socket when it starts with '@'). Nothing happens when the variable is unset, so the
/// daemon runs the same outside systemd.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// systemd's watchdog period (`WatchdogSec=`), when it asks for pings.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = SystemdNotifier.processEnvironment()) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
            if forUs { interval = .microseconds(usec) }
        }
        watchdogInterval = path == nil ? nil : interval
    }

    public var isActive: Bool { socketPath != nil }

    public func ready() { send("READY=1") }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }
    /// One line shown by `systemctl status`.
    public func status(_ text: String) { send("STATUS=" + text.replacing("\n", with: " ")) }

    /// Sends `message`; false when there is no socket or the send failed (never fatal:
    /// the recording does not depend on systemd hearing us).
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard var address = UnixSocketAddress(socketPath) else { return false }
        let bytes = Array(message.utf8)
        let sent = address.withSockaddr { address, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length) }
        }
        return sent == bytes.count
    }

    public static func processEnvironment() -> [String: String] {
        var out: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { out[name] = String(cString: value) }
        }
        return out
    }
}
