import Bitstream
import EdgeCore
import EdgeSystem
import Foundation
import Matroska
import TestSupport

/// Builds Matroska files from the fixture clips the way the segmenter does, without pacing.
enum MatroskaFiles {
    struct Clip {
        var codec: VideoCodec
        var frames: [(bytes: [UInt8], key: Bool)]
        var size: FrameSize
        var codecPrivate: [UInt8]
    }

    static func clip(_ name: String, _ codec: VideoCodec) throws -> Clip {
        let bytes = try Fixtures.bytes(name)
        if codec == .mjpeg {
            var frames: [(bytes: [UInt8], key: Bool)] = []
            var start: Int?
            for i in 0..<(bytes.count - 1) {
                if bytes[i] == 0xFF && bytes[i + 1] == 0xD8 && start == nil { start = i }
                if bytes[i] == 0xFF && bytes[i + 1] == 0xD9, let s = start {
                    frames.append((Array(bytes[s...(i + 1)]), true))
                    start = nil
                }
            }
            return Clip(codec: codec, frames: frames, size: FrameSize(width: 320, height: 240), codecPrivate: [])
        }
        var splitter = AccessUnitSplitter(codec: codec)
        var units: [AccessUnit] = []
        for nal in AnnexB.nalUnits(bytes) { if let u = splitter.push(nal) { units.append(u) } }
        if let u = splitter.flush() { units.append(u) }
        var sets = ParameterSets()
        for u in units { sets.collect(u.nalUnits, codec: codec) }
        return Clip(
            codec: codec, frames: units.map { (AnnexB.lengthPrefixed($0.nalUnits), $0.isKeyframe) },
            size: try sets.pictureSize(codec: codec), codecPrivate: try sets.decoderConfiguration(codec: codec))
    }

    /// Writes `clip` at 25 fps into a file; returns the bytes and where each frame ends.
    @discardableResult
    static func write(_ clip: Clip, to path: String, clusterSpan: Duration = .seconds(2)) throws -> (bytes: [UInt8], frameEnds: [Int]) {
        var ends: [Int] = []
        let sink = MemorySink()
        let writer = try MatroskaWriter(
            sink: sink,
            track: TrackDescription(codec: clip.codec, size: clip.size, frameRate: FrameRate(frames: 25), codecPrivate: clip.codecPrivate, name: "test"),
            title: "test", start: WallTime(nanosecondsSinceEpoch: 1_764_400_000_000_000_000),
            tags: [("CAMERA", "test")], clusterSpan: clusterSpan)
        for (n, frame) in clip.frames.enumerated() {
            try writer.append(frame.bytes, timestamp: .milliseconds(40 * n), isKeyframe: frame.key)
            ends.append(writer.bytesWritten)
        }
        try writer.finish()
        try Fixtures.write(sink.bytes, to: path)
        return (sink.bytes, ends)
    }
}
