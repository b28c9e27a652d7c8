import DequeModule
import Synchronization

/// The bounded hand-off from a capture thread to async code.
///
/// When the consumer falls behind, the oldest *frames* are dropped and counted: the
/// newest picture matters most, and memory stays bounded. Control events (`streaming`,
/// `interrupted`) are never dropped; they come at most once per reopen attempt.
public final class FrameBuffer: Sendable {
    struct State {
        var queue: Deque<CaptureEvent> = []
        var frames = 0
        var waiter: CheckedContinuation<CaptureEvent?, Never>?
        var finished = false
        var counters = CaptureCounters()
        var status = CaptureStatus()
    }
    private let state = Mutex(State())
    public let frameCapacity: Int

    public init(frameCapacity: Int) {
        precondition(frameCapacity > 0)
        self.frameCapacity = frameCapacity
    }

    /// Called by the producer. Never blocks.
    public func push(_ event: CaptureEvent) {
        let waiter: CheckedContinuation<CaptureEvent?, Never>? = state.withLock { s in
            guard !s.finished else { return nil }
            s.status.note(event)
            if case .frame = event { s.counters.delivered += 1 }
            if case .interrupted = event { s.counters.interruptions += 1 }
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            if case .frame = event {
                if s.frames == frameCapacity, let oldest = s.queue.firstIndex(where: Self.isFrame) {
                    s.queue.remove(at: oldest)
                    s.frames -= 1
                    s.counters.delivered -= 1
                    s.counters.droppedBehind += 1
                }
                s.frames += 1
            }
            s.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// Adds frames the device itself skipped.
    public func countDeviceDrops(_ n: UInt64) {
        state.withLock { $0.counters.droppedByDevice += n }
    }

    /// Ends the stream: the consumer gets what is queued, then nil.
    public func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<CaptureEvent?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    public var counters: CaptureCounters { state.withLock { $0.counters } }

    /// Frames waiting for the recorder.
    public var queuedFrames: Int { state.withLock { $0.frames } }

    /// The source's state, format and newest capture time.
    public var status: CaptureStatus { state.withLock { $0.status } }

    /// The next event, or nil once finished and drained (or when the task is cancelled).
    public func next() async -> CaptureEvent? {
        if let ready = takeQueued() { return ready.event }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<CaptureEvent?, Never>) in
                let immediate: CaptureEvent?? = state.withLock { s in
                    if let e = Self.pop(&s) { return .some(e) }
                    if s.finished || Task.isCancelled { return .some(nil) }
                    s.waiter = c
                    return nil
                }
                if let immediate { c.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<CaptureEvent?, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    private func takeQueued() -> (event: CaptureEvent?, Void)? {
        state.withLock { s in
            if let e = Self.pop(&s) { return (e, ()) }
            return s.finished ? (nil, ()) : nil
        }
    }

    private static func pop(_ s: inout State) -> CaptureEvent? {
        guard !s.queue.isEmpty else { return nil }
        let e = s.queue.removeFirst()
        if case .frame = e { s.frames -= 1 }
        return e
    }

    private static func isFrame(_ e: CaptureEvent) -> Bool {
        if case .frame = e { return true }
        return false
    }
}
