import EdgeSystem

/// Runs blocking `work` (joining threads, waiting on a clock) on a thread of its own and
/// awaits it, so Swift's cooperative pool is never blocked.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        startThread(name: "daemon-stop") { continuation.resume(returning: work()) }
    }
}
