import DequeModule
import Synchronization

/// A response body written piece by piece for as long as the client listens (the event
/// stream). The producer pushes chunks into a bounded queue and never waits: a client
/// that reads too slowly overflows it, and its stream ends with the producer's last words.
public final class ControlStream: Sendable {
    private struct State {
        var chunks: Deque<[UInt8]> = []
        var finished = false
        var cancelled = false
        var waiter: CheckedContinuation<[UInt8]?, Never>?
    }

    public let capacity: Int
    private let state = Mutex(State())
    private let onCancel: @Sendable () -> Void

    /// `onCancel` runs once when the client goes away.
    public init(capacity: Int = 256, onCancel: @escaping @Sendable () -> Void = {}) {
        self.capacity = capacity
        self.onCancel = onCancel
    }

    /// Queues a chunk; false (and nothing queued) when the queue is full or the stream over.
    @discardableResult
    public func push(_ chunk: [UInt8]) -> Bool {
        enum Outcome { case refused, queued, handed(CheckedContinuation<[UInt8]?, Never>) }
        let outcome: Outcome = state.withLock { s in
            guard !s.finished, !s.cancelled else { return .refused }
            if let waiter = s.waiter {
                s.waiter = nil
                return .handed(waiter)
            }
            guard s.chunks.count < capacity else { return .refused }
            s.chunks.append(chunk)
            return .queued
        }
        switch outcome {
        case .refused: return false
        case .queued: return true
        case .handed(let waiter):
            waiter.resume(returning: chunk)
            return true
        }
    }

    /// Ends the stream after what is queued, and `last` (queued even when full).
    public func finish(last: [UInt8]? = nil) {
        let waiter: CheckedContinuation<[UInt8]?, Never>? = state.withLock { s in
            guard !s.finished else { return nil }
            s.finished = true
            if let last { s.chunks.append(last) }
            guard let waiter = s.waiter else { return nil }
            s.waiter = nil
            return waiter
        }
        guard let waiter else { return }
        let next = state.withLock { s in s.chunks.isEmpty ? nil : s.chunks.removeFirst() }
        waiter.resume(returning: next)
    }

    /// The next chunk; nil once the stream has ended (or was cancelled).
    public func next() async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            let ready: [UInt8]?? = state.withLock { s in
                if s.cancelled { return .some(nil) }
                if !s.chunks.isEmpty { return .some(s.chunks.removeFirst()) }
                if s.finished { return .some(nil) }
                s.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The client has gone: drop what is queued and tell the producer.
    public func cancel() {
        let (first, waiter): (Bool, CheckedContinuation<[UInt8]?, Never>?) = state.withLock { s in
            guard !s.cancelled else { return (false, nil) }
            s.cancelled = true
            s.chunks = []
            let waiter = s.waiter
            s.waiter = nil
            return (true, waiter)
        }
        waiter?.resume(returning: nil)
        if first { onCancel() }
    }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }
}
