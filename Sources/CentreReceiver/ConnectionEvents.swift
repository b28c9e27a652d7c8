import EdgeSystem
import Synchronization

/// Connections refused at the door and closed by a deadline: counted for /metrics and
/// logged one line per reason at most once a second (a flood of connections must not
/// become a flood of log lines), with the number of lines left out since the last one.
public final class ConnectionEvents: Sendable {
    private let metrics: ReceiverMetrics
    private let log: @Sendable (String) -> Void
    private let now: @Sendable () -> ContinuousClock.Instant
    private let throttle = Mutex<[String: (last: ContinuousClock.Instant, skipped: Int)]>([:])

    public init(
        metrics: ReceiverMetrics, log: @escaping @Sendable (String) -> Void,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.metrics = metrics
        self.log = log
        self.now = now
    }

    func refused(peer: String, why: String) {
        metrics.update { $0.connectionsRefused += 1 }
        emit("refused", "event=connection-refused peer=\(LogField.quoted(peer)) detail=\(LogField.quoted(why))")
    }

    func timedOut(peer: String, reason: String, detail: String) {
        metrics.update { $0.connectionsTimedOut[reason, default: 0] += 1 }
        emit(reason, "event=connection-closed peer=\(LogField.quoted(peer)) reason=\(reason) detail=\(LogField.quoted(detail))")
    }

    private func emit(_ key: String, _ line: String) {
        let time = now()
        let skipped: Int? = throttle.withLock { t in
            if let seen = t[key], time - seen.last < .seconds(1) {
                t[key]!.skipped += 1
                return nil
            }
            let skipped = t[key]?.skipped ?? 0
            t[key] = (time, 0)
            return skipped
        }
        guard let skipped else { return }
        log(skipped > 0 ? "\(line) alsoSinceLastLine=\(skipped)" : line)
    }
}
