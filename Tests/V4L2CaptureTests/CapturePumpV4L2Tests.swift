import EdgeCore
import EdgeSystem
import TestSupport
import Testing
import V4L2Capture

/// A V4L2 source on the fake kernel, run by the real `CapturePump` on its own thread.
@Suite struct CapturePumpV4L2Tests {
    private func run(_ kernel: FakeKernel, until count: Int) async throws -> ([CaptureEvent], CaptureCounters) {
        let buffer = FrameBuffer(frameCapacity: 64)
        let pump = try CapturePump(
            buffer: buffer, time: ManualTime(), backoff: Backoff(initial: .zero, maximum: .zero)
        ) {
            V4L2Source(config: Fixture.config(), time: ManualTime(), kernel: kernel)
        }
        pump.start(threadName: "test-capture")
        var events: [CaptureEvent] = []
        while events.count < count, let event = await buffer.next() { events.append(event) }
        pump.stop()
        while await buffer.next() != nil {}
        return (events, buffer.counters)
    }

    @Test func sequenceGapsCountAsDeviceDrops() async throws {
        let kernel = FakeKernel(
            [Fixture.path: Fixture.webcam], script: [Fixture.frame(10), Fixture.frame(11), Fixture.frame(14)])
        let (events, counters) = try await run(kernel, until: 4)
        let numbers = events.compactMap { if case .frame(let f) = $0 { f.sequence } else { nil } }
        #expect(numbers == [0, 1, 4])
        #expect(counters.droppedByDevice == 2)
        #expect(kernel.openDescriptors == 0 && kernel.mappedBuffers == 0)
    }

    @Test func reopensAfterTheCameraIsLost() async throws {
        let kernel = FakeKernel(
            [Fixture.path: Fixture.webcam],
            script: [Fixture.frame(0), Fixture.frame(1), .failure(ENODEV), Fixture.frame(0), Fixture.frame(1)])
        // Past the script the fake camera stalls and the pump keeps reopening it until
        // stopped, so only the first events are compared, not the counters.
        let (events, _) = try await run(kernel, until: 7)
        let kinds = events.map { event -> String in
            switch event {
            case .streaming: "streaming"
            case .frame(let f): "frame \(f.sequence)"
            case .interrupted(let failure, _): "interrupted \(failure.kind.rawValue)"
            case .openFailed: "open failed"
            }
        }
        #expect(kinds == [
            "streaming", "frame 0", "frame 1", "interrupted camera-lost", "streaming", "frame 2", "frame 3",
        ])
        #expect(kernel.openDescriptors == 0 && kernel.mappedBuffers == 0)
        #expect(kernel.mistakes.isEmpty)
    }
}
