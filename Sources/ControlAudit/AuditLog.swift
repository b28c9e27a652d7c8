import EdgeJSON
import EdgeSystem
import Synchronization

/// Every change and every snapshot, one JSON line each: when (UTC), who (uid, pid), what,
/// its details and its outcome (`status`, and `error` when refused or failed). Mode 0640.
///
/// A change is audited in two steps, so the line always carries what happened and never
/// misses a change: `begin` opens the log before anything is done (a log that cannot be
/// opened refuses the change), the work notes its details on the entry, and `finish`
/// appends and fsyncs the line with the outcome before the answer goes out.
public final class AuditLog: Sendable {
    public let path: String
    let lock = Mutex(())
    let time: any TimeSource

    public init(path: String, time: any TimeSource = SystemTime()) {
        self.path = path
        self.time = time
    }

    /// Opens an entry for `what` (`segments.hold`, `config.apply`…) by `peer`.
    public func begin(_ peer: PeerCredentials, _ what: String) throws(SystemError) -> AuditEntry {
        let file = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, mode: 0o640)
        return AuditEntry(log: self, file: file, peer: peer, what: what, at: time.wallNow())
    }

    /// One line at once, for a change already made (edgectl with the daemon down).
    public func record(
        _ peer: PeerCredentials, _ what: String, detail: [(String, JSONValue)] = [], status: Int, error: String? = nil
    ) throws(SystemError) {
        let entry = try begin(peer, what)
        for (key, value) in detail { entry.note(key, value) }
        try entry.finish(status: status, error: error)
    }
}

/// One audited change in progress; see `AuditLog`.
public final class AuditEntry: Sendable {
    private let log: AuditLog
    private let file: FileDescriptor
    private let head: [(String, JSONValue)]
    private let detail = Mutex<[(String, JSONValue)]>([])
    private let finished = Atomic<Bool>(false)

    init(log: AuditLog, file: FileDescriptor, peer: PeerCredentials, what: String, at: WallTime) {
        self.log = log
        self.file = file
        head = [
            ("at", .string(at.rfc3339)), ("uid", .number(String(peer.uid))), ("pid", .number(String(peer.pid))),
            ("what", .string(what)),
        ]
    }

    /// Adds a detail (the camera, the segments, the fields a config change touched…); a
    /// later note with the same key replaces the earlier one.
    public func note(_ key: String, _ value: JSONValue) {
        detail.withLock { d in
            d.removeAll { $0.0 == key }
            d.append((key, value))
        }
    }

    /// Appends the line with the outcome and fsyncs it. Once only.
    public func finish(status: Int, error: String?) throws(SystemError) {
        guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var fields = head + detail.withLock { $0 }
        fields.append(("status", .number(String(status))))
        fields.append(("outcome", .string(Self.outcome(status))))
        if let error { fields.append(("error", .string(error))) }
        let line = CanonicalJSON.encode(.object(fields)) + [10]
        try log.lock.withLock { _ throws(SystemError) in
            try file.writeAll(line)
            try file.sync()
        }
        try file.close()
    }

    /// `done` (2xx), `refused` (4xx: nothing changed), `failed` (5xx).
    static func outcome(_ status: Int) -> String {
        switch status {
        case 200..<300: "done"
        case 400..<500: "refused"
        default: "failed"
        }
    }
}
