import Synchronization

/// Something that happens once (a camera's `run()` returning), for any number of waiters.
package final class Completion: Sendable {
    private struct State {
        var done = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        /// Waits whose time ran out before they were registered.
        var expired: Set<Int> = []
        var next = 0
    }

    private let state = Mutex(State())

    package func complete() {
        let waiters = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.done = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    package var isComplete: Bool { state.withLock { $0.done } }

    /// True once complete; false when `timeout` passed first.
    package func wait(within timeout: Duration) async -> Bool {
        let id = state.withLock { s -> Int in
            s.next += 1
            return s.next
        }
        let timer = Task { [self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                if let waiter = s.waiters.removeValue(forKey: id) { return waiter }
                s.expired.insert(id)
                return nil
            }
            waiter?.resume(returning: false)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let answer = state.withLock { s -> Bool? in
                if s.done { return true }
                if s.expired.remove(id) != nil { return false }
                s.waiters[id] = continuation
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }
}
