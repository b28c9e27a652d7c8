import EdgeCore
import EdgeSystem
import Synchronization
import TestSupport
import Testing

/// A source that plays a script: fails to open, delivers frames, then loses the device.
// @unchecked: built by the test, then driven only by the pump thread; counters are atomic.
final class ScriptedSource: FrameSource, @unchecked Sendable {
    enum Step { case openFails, stream(frames: [UInt64], thenFail: Bool) }
    let name = "scripted"
    private var steps: [Step]
    private var pending: [UInt64] = []
    private var failAfter = false
    let opens = Atomic<Int>(0), closes = Atomic<Int>(0)
    init(_ steps: [Step]) { self.steps = steps }

    func open() throws -> StreamFormat {
        opens.add(1, ordering: .relaxed)
        guard !steps.isEmpty else { throw SourceFailure(.unusable, "script ended") }
        switch steps.removeFirst() {
        case .openFails: throw SourceFailure(.lost, "no such device")
        case .stream(let frames, let fail):
            pending = frames
            failAfter = fail
            return StreamFormat(codec: .mjpeg, size: FrameSize(width: 2, height: 2), frameRate: FrameRate(frames: 25), detail: "scripted")
        }
    }

    func nextFrame(stop: Wakeup) throws -> Frame? {
        if stop.isSignalled { return nil }
        if pending.isEmpty {
            if failAfter { throw SourceFailure(.lost, "device unplugged (ENODEV)") }
            stop.wait(timeout: .seconds(5))  // idle until told to stop
            return nil
        }
        return frame(pending.removeFirst())
    }

    func close() { closes.add(1, ordering: .relaxed) }
}

struct CapturePumpTests {
    @Test("reopens after failures with doubling back-off; the timeline continues and device gaps count")
    func reopenAndRenumber() async throws {
        let time = ManualTime()
        let source = ScriptedSource([
            .openFails, .openFails,
            .stream(frames: [0, 1, 2, 5], thenFail: true),  // the driver skipped 3 and 4
            .stream(frames: [0, 1], thenFail: false),  // a reopened device counts from 0 again
        ])
        let buffer = FrameBuffer(frameCapacity: 100)
        let pump = try CapturePump(buffer: buffer, time: time) { source }
        pump.start(threadName: "test-pump")
        var events: [CaptureEvent] = []
        while let e = await buffer.next() {
            events.append(e)
            if sequences(events).count == 6 { pump.stop() }
        }
        #expect(sequences(events) == [0, 1, 2, 5, 6, 7])
        let delays = events.compactMap { if case .openFailed(_, let d) = $0 { d } else { nil } }
        #expect(delays == [.seconds(1), .seconds(2)])
        #expect(events.contains { if case .interrupted = $0 { true } else { false } })
        #expect(buffer.counters.droppedByDevice == 2)
        #expect(buffer.counters.interruptions == 1)
        // Every successful open was matched by a close.
        #expect(source.closes.load(ordering: .relaxed) == 2)
    }

    @Test("back-off doubles to 30 s and no further")
    func backoffCap() {
        let b = Backoff()
        var d = b.initial
        var seen: [Duration] = []
        for _ in 0..<8 { seen.append(d); d = b.next(after: d) }
        #expect(seen == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
    }
}
