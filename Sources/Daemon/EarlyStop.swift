import ControlRoutes
import Recorder
import EdgeSystem
import Synchronization

/// Remembers a SIGTERM or SIGINT that arrives before the service group handles signals
/// itself (while the ring is being recovered), so an early stop is a clean stop, not the
/// default action's abrupt exit.
public enum EarlyStop {
    private static let requested = Atomic<Bool>(false)

    /// Installs the handler; call first thing in `main`.
    public static func install() {
        // Storing into a lock-free atomic is async-signal-safe.
        let handler: @convention(c) (Int32) -> Void = { _ in EarlyStop.requested.store(true, ordering: .relaxed) }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
    }

    public static var wasRequested: Bool { requested.load(ordering: .relaxed) }
}
