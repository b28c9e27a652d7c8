import EdgeCore
import EdgeSystem
import FrameSources
import Segmenter
import TestSupport
import Testing

/// Drives a segmenter with frames from a replayed fixture on a manual clock.
final class Harness {
    let time = ManualTime()
    let dir: String
    let store: FileSegmentStore
    var events: [SegmenterEvent] = []
    lazy var segmenter = Segmenter(camera: "cam", store: store, policy: policy, time: time) { [unowned self] in events.append($0) }
    let policy: SegmentPolicy
    let source: FileSource
    let stop: Wakeup

    init(_ fixture: String, _ codec: VideoCodec, length: Duration) throws {
        dir = try Fixtures.scratchDirectory("seg")
        store = try FileSegmentStore(root: dir)
        policy = SegmentPolicy(length: length)
        source = FileSource(path: Fixtures.path(fixture), codec: codec, rate: FrameRate(frames: 25), time: time)
        stop = try Wakeup()
    }

    func start() throws { try segmenter.handle(.streaming(try source.open())) }

    /// Feeds `count` frames; returns their sequence numbers.
    @discardableResult
    func feed(_ count: Int) throws -> [UInt64] {
        var sequences: [UInt64] = []
        for _ in 0..<count {
            let frame = try #require(try source.nextFrame(stop: stop))
            sequences.append(frame.sequence)
            try segmenter.handle(.frame(frame))
        }
        return sequences
    }

    var closed: [(SegmentSummary, String)] {
        events.compactMap { if case .closed(let s, let p) = $0 { return (s, p) } else { return nil } }
    }
}

@Suite("Segment cutting")
struct SegmenterTests {
    @Test("MJPEG cuts every length exactly, with every frame in exactly one segment")
    func mjpegContinuity() throws {
        let h = try Harness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(2))
        try h.start()
        let fed = try h.feed(260)
        try h.segmenter.close(.shutdown)
        let segments = h.closed.map(\.0)
        #expect(segments.map(\.frames) == [50, 50, 50, 50, 50, 10])
        #expect(segments.map(\.sequence) == [0, 1, 2, 3, 4, 5])
        #expect(segments.map(\.reason) == [.cut, .cut, .cut, .cut, .cut, .shutdown])
        // Continuity: each segment starts with the frame after the previous one's last.
        for (a, b) in zip(segments, segments.dropFirst()) { #expect(b.firstFrame == a.lastFrame + 1) }
        #expect(segments.first!.firstFrame == fed.first! && segments.last!.lastFrame == fed.last!)
        #expect(segments.reduce(0) { $0 + $1.frames } == fed.count)
        #expect(segments[0].duration == .seconds(2))
    }

    @Test("H.264 segments start on keyframes and cut at the first keyframe after the length")
    func h264KeyframeAlignment() throws {
        // The 60-frame clip loops: keyframes at 0, 25, 50, 60, 85, 110, 120, 145, 170.
        // A 1.5 s (37.5-frame) length cuts at the first keyframe after it.
        let h = try Harness("clip-320x240-25fps.h264", .h264, length: .milliseconds(1500))
        try h.start()
        try h.feed(180)
        try h.segmenter.close(.shutdown)
        let segments = h.closed
        #expect(segments.map(\.0.frames) == [50, 60, 60, 10])
        for (summary, path) in segments {
            #expect(try Tool.ffmpegErrors(path) == "")
            let packets = try Tool.packets(path)
            #expect(packets.count == summary.frames)
            #expect(packets.first?.key == true)
            #expect(try Tool.probe(path).frames == summary.frames)
        }
    }

    @Test("frames before the first keyframe are skipped and reported")
    func waitsForKeyframe() throws {
        let h = try Harness("clip-320x240-25fps.h265", .h265, length: .seconds(10))
        let format = try h.source.open()
        try h.segmenter.handle(.streaming(format))
        var frames: [Frame] = []
        for _ in 0..<40 { frames.append(try #require(try h.source.nextFrame(stop: h.stop))) }
        for frame in frames.dropFirst(5) { try h.segmenter.handle(.frame(frame)) }  // 5…39: key at 25
        try h.segmenter.close(.shutdown)
        #expect(h.closed.map(\.0.frames) == [15])
        #expect(h.events.contains { if case .skippedBeforeKeyframe(20) = $0 { true } else { false } })
        #expect(try Tool.ffmpegErrors(h.closed[0].1) == "")
    }

    @Test("losing the camera closes the segment cleanly and reports the gap when it is back")
    func interruption() throws {
        let h = try Harness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(10))
        try h.start()
        try h.feed(30)
        let lostAt = h.time.monotonicNow()
        try h.segmenter.handle(.interrupted(SourceFailure(.lost, "camera unplugged"), at: lostAt))
        #expect(h.segmenter.openSequence == nil)
        h.time.advance(by: .seconds(3))
        try h.start()
        try h.feed(10)
        try h.segmenter.close(.shutdown)
        #expect(h.closed.map(\.0.reason) == [.interrupted, .shutdown])
        #expect(h.closed.map(\.0.frames) == [30, 10])
        let gaps = h.events.compactMap { if case .gap(let c, let from, let to) = $0 { (c, to - from) } else { nil } }
        #expect(gaps.count == 1 && gaps[0].0 == .lost && gaps[0].1 >= .seconds(3))
        for (_, path) in h.closed { #expect(try Tool.ffmpegErrors(path) == "") }
    }

    @Test("a write error loses the open segment's tail, not the recorder")
    func writeErrorRecovers() throws {
        let time = ManualTime()
        let store = FailingStore(failAfterBytes: 20_000)
        var events: [SegmenterEvent] = []
        let segmenter = Segmenter(camera: "cam", store: store, policy: SegmentPolicy(length: .seconds(1)), time: time) { events.append($0) }
        let source = FileSource(path: Fixtures.path("clip-320x240-25fps.mjpeg"), codec: .mjpeg, rate: FrameRate(frames: 25), time: time)
        try segmenter.handle(.streaming(try source.open()))
        let stop = try Wakeup()
        var failures = 0
        for _ in 0..<60 {
            do { try segmenter.handle(.frame(try #require(try source.nextFrame(stop: stop)))) } catch { failures += 1 }
        }
        #expect(failures == 1)
        #expect(store.abandoned == 1)
        // The next frame (every MJPEG frame is a keyframe) started a new segment, and
        // recording went on: segments 1 and 2 were committed, 3 is open.
        #expect(store.committed == [1, 2])
        #expect(segmenter.openSequence == 3)
    }

    @Test("segment names carry the number and the start; numbers resume after a restart")
    func namesAndRestart() throws {
        let h = try Harness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(1))
        try h.start()
        try h.feed(60)
        try h.segmenter.close(.shutdown)
        let names = try FileSystem.list(h.dir + "/cam").sorted()
        #expect(names.count == 3 && names.allSatisfy { $0.hasSuffix(".mkv") })
        #expect(names[0].hasPrefix("00000000-2025"))
        let again = try FileSegmentStore(root: h.dir)
        let next = try again.beginSegment(SegmentOpening(camera: "cam", format: h.closed[0].0.format, startWall: h.time.wallNow(), startMonotonic: h.time.monotonicNow()))
        #expect(next.sequence == 3)
        next.abandon()
    }
}

/// A store whose files fail with ENOSPC after a number of bytes.
final class FailingStore: SegmentStore {
    let failAfterBytes: Int
    var abandoned = 0
    var committed: [UInt64] = []
    var nextSequence: UInt64 = 0
    init(failAfterBytes: Int) { self.failAfterBytes = failAfterBytes }

    func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) {}

    func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput {
        defer { nextSequence += 1 }
        return Output(sequence: nextSequence, limit: nextSequence == 0 ? failAfterBytes : .max, store: self)
    }

    final class Output: SegmentOutput {
        let sequence: UInt64
        let path = "/nowhere"
        let limit: Int
        var written = 0
        unowned let store: FailingStore
        init(sequence: UInt64, limit: Int, store: FailingStore) {
            self.sequence = sequence
            self.limit = limit
            self.store = store
        }
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            written += bytes.count
            if written > limit { throw SystemError(code: ENOSPC, call: "write", subject: path) }
        }
        func flush() throws {}
        func commit(_ summary: SegmentSummary) throws { store.committed.append(sequence) }
        func abandon() { store.abandoned += 1 }
    }
}
