import EdgeCore
import EdgeSystem
@testable import Matroska
import TestSupport
import Testing

struct EBMLTests {
    @Test("sizes use the shortest variable-length integer and never the reserved all-ones")
    func sizes() {
        #expect(EBML.size(0) == [0x80])
        #expect(EBML.size(126) == [0xFE])
        #expect(EBML.size(127) == [0x40, 0x7F])  // 0xFF alone would mean "unknown"
        #expect(EBML.size(16382) == [0x7F, 0xFE])
        #expect(EBML.size(16383) == [0x20, 0x3F, 0xFF])
        #expect(EBML.size(1 << 30).count == 5)
    }

    @Test("IDs keep their marker bits; unsigned integers are minimal")
    func idsAndIntegers() {
        #expect(EBML.id(0x1A45_DFA3) == [0x1A, 0x45, 0xDF, 0xA3])
        #expect(EBML.id(0xA3) == [0xA3])
        #expect(EBML.uint(0xE7, 0) == [0xE7, 0x81, 0x00])
        #expect(EBML.uint(0xE7, 1000) == [0xE7, 0x82, 0x03, 0xE8])
    }

    @Test("frames closer than a millisecond are nudged forward, never reordered")
    func nudgesTimestamps() throws {
        let sink = MemorySink()
        let writer = try MatroskaWriter(
            sink: sink, track: TrackDescription(codec: .mjpeg, size: FrameSize(width: 16, height: 16), frameRate: FrameRate(frames: 25), codecPrivate: [], name: "t"),
            title: "t", start: WallTime(nanosecondsSinceEpoch: 0))
        try writer.append([1], timestamp: .zero, isKeyframe: true)
        try writer.append([2], timestamp: .microseconds(200), isKeyframe: true)
        try writer.append([3], timestamp: .microseconds(100), isKeyframe: true)
        #expect(writer.frames == 3)
        #expect(writer.nudgedTimestamps == 2)
    }

    @Test("a new cluster at least every span, and on every H.264 keyframe")
    func clusters() throws {
        func clusterCount(_ codec: VideoCodec, keys: Set<Int>) throws -> Int {
            let sink = MemorySink()
            let writer = try MatroskaWriter(
                sink: sink, track: TrackDescription(codec: codec, size: FrameSize(width: 16, height: 16), frameRate: FrameRate(frames: 25), codecPrivate: [], name: "t"),
                title: "t", start: WallTime(nanosecondsSinceEpoch: 0), clusterSpan: .seconds(2))
            for n in 0..<250 { try writer.append([0], timestamp: .milliseconds(40 * n), isKeyframe: keys.contains(n)) }
            let marker: [UInt8] = [0x1F, 0x43, 0xB6, 0x75]
            return (0..<(sink.bytes.count - 3)).filter { Array(sink.bytes[$0..<($0 + 4)]) == marker }.count
        }
        #expect(try clusterCount(.mjpeg, keys: Set(0..<250)) == 5)  // 10 s in 2 s clusters
        #expect(try clusterCount(.h264, keys: [0, 25, 100]) == 6)  // 0, 25, 75 (span), 100, 150, 200
    }
}
