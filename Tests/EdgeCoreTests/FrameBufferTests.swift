import EdgeCore
import EdgeSystem
import Testing

func frame(_ n: UInt64) -> Frame {
    Frame(bytes: [UInt8(truncatingIfNeeded: n)], codec: .mjpeg, size: FrameSize(width: 2, height: 2), isKeyframe: true, captureTime: MonotonicInstant(nanoseconds: Int64(n)), sequence: n)
}

func sequences(_ events: [CaptureEvent]) -> [UInt64] {
    events.compactMap { if case .frame(let f) = $0 { f.sequence } else { nil } }
}

struct FrameBufferTests {
    @Test("a full buffer drops the oldest frames, counts them, and keeps control events")
    func dropsOldest() async {
        let buffer = FrameBuffer(frameCapacity: 3)
        let format = StreamFormat(codec: .mjpeg, size: FrameSize(width: 2, height: 2), frameRate: FrameRate(frames: 25), detail: "t")
        buffer.push(.streaming(format))
        for n in 0..<10 { buffer.push(.frame(frame(UInt64(n)))) }
        buffer.push(.interrupted(SourceFailure(.lost, "gone"), at: MonotonicInstant(nanoseconds: 0)))
        buffer.finish()
        var events: [CaptureEvent] = []
        while let e = await buffer.next() { events.append(e) }
        #expect(sequences(events) == [7, 8, 9])
        guard case .streaming = events.first, case .interrupted = events.last else {
            Issue.record("control events lost: \(events)")
            return
        }
        #expect(buffer.counters.droppedBehind == 7)
        #expect(buffer.counters.delivered == 3)
        #expect(buffer.counters.interruptions == 1)
    }

    @Test("a waiting consumer gets each event as it is pushed, and nil after finish")
    func handsOver() async {
        let buffer = FrameBuffer(frameCapacity: 2)
        let consumer = Task { await buffer.next() }
        buffer.push(.frame(frame(1)))
        let got = await consumer.value
        #expect(got.map { sequences([$0]) } == [1])
        buffer.finish()
        #expect(await buffer.next() == nil)
    }

    @Test("cancelling a waiting consumer returns nil instead of hanging")
    func cancellation() async {
        let buffer = FrameBuffer(frameCapacity: 2)
        let task = Task { await buffer.next() }
        task.cancel()
        #expect(await task.value == nil)
    }
}
