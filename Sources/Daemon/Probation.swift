import EdgeSystem
import Recorder
import Synchronization
import Updater

/// A release on probation proves itself here (Board/README.md, "Slots"): it is committed
/// once the health board has nothing to say, every configured camera has sealed a segment
/// and, when there are destinations, a segment has been delivered — all within `deadline`
/// of the daemon's start. Otherwise it is rolled back (marked bad, never retried) and the
/// daemon stops, so that systemd starts the committed release.
final class Probation: Sendable {
    enum Decision: Sendable, Equatable {
        case commit(String)
        case rollBack(String)
    }

    let version: String
    let deadline: Duration
    private let cameras: Set<String>
    private let needsDelivery: Bool
    private let started: MonotonicInstant
    private let seen = Mutex<(sealed: Set<String>, delivered: Int)>(([], 0))

    init(version: String, cameras: [String], needsDelivery: Bool, started: MonotonicInstant, deadline: Duration) {
        self.version = version
        self.cameras = Set(cameras)
        self.needsDelivery = needsDelivery
        self.started = started
        self.deadline = deadline
    }

    /// Takes every daemon event; only sealed and delivered segments count.
    func observe(_ event: DaemonEvent) {
        switch event.kind {
        case .segmentSealed:
            guard let camera = event.string("camera") else { return }
            seen.withLock { _ = $0.sealed.insert(camera) }
        case .segmentUploaded:
            seen.withLock { $0.delivered += 1 }
        default: break
        }
    }

    /// What is still missing; empty when the release has proven itself.
    func missing(problems: [String]) -> [String] {
        let (sealed, delivered) = seen.withLock { ($0.sealed, $0.delivered) }
        var missing = problems
        let silent = cameras.subtracting(sealed).sorted()
        if !silent.isEmpty { missing.append("no segment sealed yet by \(silent.joined(separator: ", "))") }
        if needsDelivery, delivered == 0 { missing.append("no segment delivered yet") }
        return missing
    }

    /// Commit, roll back, or nil to look again later.
    func decide(problems: [String], at now: MonotonicInstant) -> Decision? {
        let missing = missing(problems: problems)
        let elapsed = now - started
        if missing.isEmpty {
            return .commit("healthy after \(Int(elapsed.seconds)) s: \(cameras.count) camera(s) sealed" + (needsDelivery ? ", uplink delivered" : ""))
        }
        guard elapsed >= deadline else { return nil }
        return .rollBack("not proven within \(Int(deadline.seconds)) s: \(missing.joined(separator: "; "))")
    }
}
