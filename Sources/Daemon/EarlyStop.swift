import EdgeSystem
import ServiceLifecycle
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

    /// The group's first service: by the time it runs, the group handles SIGTERM and
    /// SIGINT itself, so a signal this handler caught before then (between the daemon's
    /// own look and the group's start) is passed on here, once. No polling.
    final class Service: ServiceLifecycle.Service, Sendable {
        let group = Mutex<ServiceGroup?>(nil)

        func run() async throws {
            if EarlyStop.wasRequested, let group = group.withLock({ $0 }) { await group.triggerGracefulShutdown() }
            try? await gracefulShutdown()
        }
    }
}
