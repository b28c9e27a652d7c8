import EdgeSystem
import Synchronization

/// Runs one camera's source on its own OS thread: opens it, reads frames into a
/// `FrameBuffer`, and when the source fails, reopens it with back-off (1 s doubling to
/// 30 s) without ever spinning.
///
/// Frames leave the pump numbered in one camera timeline: sequence numbers continue
/// across reopenings, and gaps in the source's own numbering count as device drops.
public final class CapturePump: Sendable {
    public let buffer: FrameBuffer
    private let makeSource: @Sendable () -> any FrameSource
    private let time: any TimeSource
    private let backoff: Backoff
    private let stopSignal: Wakeup
    private let started = Atomic<Bool>(false)

    public init(
        buffer: FrameBuffer, time: any TimeSource, backoff: Backoff = Backoff(),
        makeSource: @escaping @Sendable () -> any FrameSource
    ) throws(SystemError) {
        self.buffer = buffer
        self.time = time
        self.backoff = backoff
        self.makeSource = makeSource
        self.stopSignal = try Wakeup()
    }

    /// Starts the capture thread (once).
    public func start(threadName: String) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        startThread(name: threadName) { [self] in run() }
    }

    /// Asks the thread to close the source and finish the buffer. Returns at once.
    public func stop() { stopSignal.signal() }

    private func run() {
        let source = makeSource()
        var timeline = Timeline()
        var delay = backoff.initial
        while !stopSignal.isSignalled {
            let format: StreamFormat
            do {
                format = try source.open()
            } catch {
                buffer.push(.openFailed(Self.failure(error), retryIn: delay))
                _ = time.wait(until: time.monotonicNow() + delay, orStop: stopSignal)
                delay = backoff.next(after: delay)
                continue
            }
            buffer.push(.streaming(format))
            timeline.reopened()
            do {
                while let frame = try source.nextFrame(stop: stopSignal) {
                    var numbered = frame
                    let (sequence, skipped) = timeline.place(frame.sequence)
                    numbered.sequence = sequence
                    if skipped > 0 { buffer.countDeviceDrops(skipped) }
                    buffer.push(.frame(numbered))
                    delay = backoff.initial
                }
                source.close()
                break
            } catch {
                source.close()
                buffer.push(.interrupted(Self.failure(error), at: time.monotonicNow()))
                _ = time.wait(until: time.monotonicNow() + delay, orStop: stopSignal)
                delay = backoff.next(after: delay)
            }
        }
        buffer.finish()
    }

    static func failure(_ error: any Error) -> SourceFailure {
        (error as? SourceFailure) ?? SourceFailure(.lost, "\(error)")
    }
}

/// Back-off between attempts to reopen a source.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }
    public func next(after d: Duration) -> Duration { min(d * 2, maximum) }
}

/// Maps a source's own frame numbers (which restart when a device is reopened) onto the
/// camera's continuous timeline.
struct Timeline {
    private var next: UInt64 = 0
    private var lastSource: UInt64?

    mutating func reopened() { lastSource = nil }

    /// Returns the frame's place in the timeline and how many frames the source skipped.
    mutating func place(_ sourceSequence: UInt64) -> (UInt64, skipped: UInt64) {
        var skipped: UInt64 = 0
        if let last = lastSource, sourceSequence > last + 1 {
            skipped = sourceSequence - last - 1
        }
        lastSource = sourceSequence
        let placed = next + skipped
        next = placed + 1
        return (placed, skipped)
    }
}
