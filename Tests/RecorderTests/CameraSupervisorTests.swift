import EdgeCore
import EdgeSystem
import Logging
import RecorderConfig
@testable import Recorder
import Segmenter
import Synchronization
import Testing

/// A config change restarts a camera as a new instance; the new one must never run beside
/// the old one (same device, same ring directory, same chain), however long the old one
/// takes to stop and however many changes pile up meanwhile.
@Suite struct CameraSupervisorTests {
    /// Opens at once, then delivers nothing and ignores stop until `release` (a capture
    /// stuck in the driver); counts how many instances are open at the same time.
    final class StuckSource: Sendable {
        let name = "/dev/stuck"
        let release: Wakeup
        let open = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let opens = Atomic<Int>(0)
        init(release: Wakeup) { self.release = release }

        func source() -> any FrameSource { Instance(self) }

        final class Instance: FrameSource {
            let shared: StuckSource
            var name: String { shared.name }
            init(_ shared: StuckSource) { self.shared = shared }
            func open() throws -> StreamFormat {
                let now = shared.open.add(1, ordering: .relaxed).newValue
                _ = shared.opens.add(1, ordering: .relaxed)
                _ = shared.most.max(now, ordering: .relaxed)
                return StreamFormat(codec: .mjpeg, size: FrameSize(width: 16, height: 16), frameRate: FrameRate(frames: 10), detail: "stuck")
            }
            func nextFrame(stop: Wakeup) throws -> Frame? {
                while !shared.release.isSignalled { _ = shared.release.wait(timeout: .milliseconds(100)) }
                return nil
            }
            func close() { _ = shared.open.subtract(1, ordering: .relaxed) }
        }
    }

    final class UnusedStore: SegmentStore {
        struct Unexpected: Error {}
        func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput { throw Unexpected() }
        func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) {}
    }

    @Test func aRestartWaitsForTheInstanceItReplaces() async throws {
        let stuck = StuckSource(release: try Wakeup())
        let factory = SourceFactory(time: SystemTime(), v4l2: { _, _ in stuck.source() })
        let config = CameraConfiguration(id: "gate", source: .v4l2(V4L2Settings(device: "/dev/stuck")))
        func instance() throws -> CameraService {
            try CameraService(
                camera: config, defaultSegmentSeconds: 2, sources: factory, store: { UnusedStore() }, logger: Logger(label: "test"))
        }
        let first = try instance()
        let supervisor = CameraSupervisor(cameras: [first], time: SystemTime())
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        for _ in 0..<1000 where stuck.opens.load(ordering: .relaxed) < 1 { try await Task.sleep(for: .milliseconds(10)) }
        try #require(stuck.opens.load(ordering: .relaxed) == 1)

        // Two changes in a row while the first instance is stuck in its driver.
        first.stop()
        let second = try instance()
        supervisor.launch(second)
        second.stop()
        let third = try instance()
        supervisor.launch(third)
        // The first instance is held in its driver until `release`: it cannot have finished.
        #expect(!first.isFinished)
        #expect(supervisor.isWaiting(third))
        // Asked as if a second had passed, with no sleep: the waiting restart is named.
        let later = SystemTime().monotonicNow() + .seconds(1)
        #expect(supervisor.stuckRestarts(at: later, limit: .milliseconds(100)).map(\.camera) == ["gate"])
        #expect(stuck.opens.load(ordering: .relaxed) == 1)

        // The driver lets go: the instances follow one another, never side by side.
        stuck.release.signal()
        #expect(await first.finished(within: .seconds(10)))
        #expect(await second.finished(within: .seconds(10)))
        #expect(await third.finished(within: .seconds(10)))
        #expect(stuck.most.load(ordering: .relaxed) == 1)
        #expect(!supervisor.isWaiting(third))
        #expect(supervisor.stuckRestarts(at: SystemTime().monotonicNow(), limit: .zero).isEmpty)
    }
}
