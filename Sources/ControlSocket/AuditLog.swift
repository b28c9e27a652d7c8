#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EdgeJSON
import EdgeSystem
import Synchronization

/// Every change and every snapshot made through the control socket, one JSON line each:
/// when (UTC), who (uid, pid), what. Appended and fsynced before the answer goes out, so
/// the log never misses a change that happened. Mode 0640.
public final class AuditLog: Sendable {
    public let path: String
    private let lock = Mutex(())
    private let time: any TimeSource

    public init(path: String, time: any TimeSource = SystemTime()) {
        self.path = path
        self.time = time
    }

    public func record(_ peer: PeerCredentials, _ what: String, detail: [(String, JSONValue)] = []) throws(SystemError) {
        let line =
            CanonicalJSON.encode(
                .object(
                    [
                        ("at", .string(time.wallNow().rfc3339)), ("uid", .number(String(peer.uid))),
                        ("pid", .number(String(peer.pid))), ("what", .string(what)),
                    ] + detail)) + [10]
        try lock.withLock { _ throws(SystemError) in
            let fd = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640)
            defer { try? fd.close() }
            try fd.writeAll(line)
            try fd.sync()
        }
    }
}
