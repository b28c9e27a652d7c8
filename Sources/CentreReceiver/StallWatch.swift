import EdgeSystem
import Synchronization

/// Calls `stalled` once when `progressed()` has not been called for `timeout`; checked
/// about every second (or every timeout, if shorter) by a task of its own until `finish()`.
final class StallWatch: Sendable {
    private let last = Atomic<Int64>(0)
    private let start = ContinuousClock.now
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(timeout: Duration, stalled: @escaping @Sendable () -> Void) {
        let tick = min(timeout, .seconds(1))
        let watcher = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                if Task.isCancelled { return }
                if elapsed() - .nanoseconds(last.load(ordering: .relaxed)) >= timeout {
                    stalled()
                    return
                }
            }
        }
        task.withLock { $0 = watcher }
    }

    func progressed() {
        last.store(elapsed().nanoseconds, ordering: .relaxed)
    }

    func finish() { task.withLock { $0?.cancel() } }

    private func elapsed() -> Duration { ContinuousClock.now - start }
}
