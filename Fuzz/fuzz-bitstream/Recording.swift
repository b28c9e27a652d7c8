import Bitstream
import EdgeCore
import EdgeSystem
import FrameSources
import FuzzSupport
import Segmenter

/// A stream replayed as a `file` camera (`FileSource`, which splits MJPEG by its JPEG
/// markers and H.264/H.265 into access units) and recorded by `Segmenter` into Matroska
/// segments held in memory. When the source opens, every frame from the first recorded
/// one on lands in exactly one segment, as one SimpleBlock holding the frame's payload,
/// in a file whose EBML structure is whole (`EBMLWalk`).
enum Recording {
    static let scratch = ScratchDirectory("fuzz-bitstream")
    static let maxFrames = 48

    static func replay(_ stream: [UInt8], codec: VideoCodec) {
        let path = "\(scratch.path)/stream"
        scratch.write("stream", stream)
        let source = FileSource(path: path, codec: codec, rate: FrameRate(frames: 25), time: StillClock())
        guard let format = try? source.open() else { return }
        expect(source.frameCount > 0 && format.size.width > 0 && format.size.height > 0, "an opened file with no frames or no size")
        let store = MemoryStore()
        var skipped = 0
        let segmenter = Segmenter(
            camera: "fuzz", store: store, policy: SegmentPolicy(length: .seconds(1), clusterSpan: .milliseconds(500)),
            time: StillClock()
        ) { event in
            if case .skippedBeforeKeyframe(let count) = event { skipped += count }
        }
        var payloads: [[UInt8]] = []
        do {
            try segmenter.handle(.streaming(format))
            for _ in 0..<min(source.frameCount, maxFrames) {
                guard let frame = try source.nextFrame(stop: wakeup) else { break }
                expect(frame.codec == codec && !frame.bytes.isEmpty, "an empty frame")
                payloads.append(codec == .mjpeg ? frame.bytes : AnnexB.lengthPrefixed(AnnexB.nalUnits(frame.bytes)))
                try segmenter.handle(.frame(frame))
            }
            try segmenter.close(.shutdown)
        } catch {
            // Refusing a stream is allowed (say, parameter sets that change to ones that do
            // not parse); what was committed before must still be whole.
        }
        source.close()
        var blocks: [[UInt8]] = []
        for segment in store.segments where segment.summary != nil {
            let walked = EBMLWalk.blocks(in: segment.bytes)
            expect(walked != nil, "segment \(segment.sequence) is not well-formed Matroska")
            expect(walked?.count == segment.summary?.frames, "segment \(segment.sequence) holds \(walked?.count ?? -1) blocks for \(segment.summary!.frames) frames")
            blocks += walked ?? []
        }
        if store.segments.allSatisfy({ $0.summary != nil }), !store.segments.isEmpty {
            expect(blocks == Array(payloads.dropFirst(skipped)), "frames lost or changed between the source and the segments")
        }
    }

    static let wakeup = try! Wakeup()
}

/// A clock that never moves and never waits: the file source's pacer releases frames at
/// once, each stamped one interval after the one before.
struct StillClock: TimeSource {
    func monotonicNow() -> MonotonicInstant { MonotonicInstant(nanoseconds: 0) }
    func wallNow() -> WallTime { WallTime(nanosecondsSinceEpoch: 1_795_000_000_000_000_000) }
    func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool { false }
}

/// Segments kept in memory.
final class MemoryStore: SegmentStore {
    final class Output: SegmentOutput {
        let sequence: UInt64
        var bytes: [UInt8] = []
        var summary: SegmentSummary?
        init(sequence: UInt64) { self.sequence = sequence }
        var path: String { "memory/\(sequence)" }
        func write(_ buffer: UnsafeRawBufferPointer) throws { bytes += buffer }
        func flush() throws {}
        func commit(_ summary: SegmentSummary) throws { self.summary = summary }
        func abandon() {}
    }

    var segments: [Output] = []

    func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput {
        let output = Output(sequence: UInt64(segments.count + 1))
        segments.append(output)
        return output
    }

    func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) {}
}
