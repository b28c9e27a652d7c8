import EdgeCore
import EdgeSystem
@testable import FrameSources
import TestSupport
import Testing

struct TestPatternTests {
    @Test("JPEG frames of the configured size, paced on the clock, numbered in order")
    func producesJPEG() throws {
        let time = ManualTime()
        let source = TestPatternSource(size: FrameSize(width: 320, height: 240), rate: FrameRate(frames: 25), quality: 80, time: time)
        let format = try source.open()
        #expect(format.codec == .mjpeg && format.size == FrameSize(width: 320, height: 240))
        let stop = try Wakeup()
        let start = time.monotonicNow()
        var frames: [Frame] = []
        for _ in 0..<10 { frames.append(try #require(try source.nextFrame(stop: stop))) }
        source.close()
        #expect(frames.map(\.sequence) == Array(0..<10))
        #expect(frames.allSatisfy { $0.isKeyframe && $0.bytes.starts(with: [0xFF, 0xD8]) && $0.bytes.suffix(2) == [0xFF, 0xD9] })
        #expect(frames.map { ($0.captureTime - start) } == (0..<10).map { .milliseconds(40 * $0) })
        // Consecutive pictures differ: the bars move and the counter changes.
        #expect(frames[0].bytes != frames[1].bytes)
        let dir = try Fixtures.scratchDirectory("pattern")
        try Fixtures.write(frames[3].bytes, to: dir + "/f.jpg")
        #expect(try Tool.probe(dir + "/f.jpg").width == 320)
    }

    @Test("stop wakes a waiting source at once")
    func stops() throws {
        let source = TestPatternSource(size: FrameSize(width: 64, height: 64), rate: FrameRate(frames: 1), time: SystemTime())
        _ = try source.open()
        let stop = try Wakeup()
        _ = try source.nextFrame(stop: stop)
        stop.signal()
        #expect(try source.nextFrame(stop: stop) == nil)
    }

    @Test("odd or tiny sizes are refused with the reason")
    func refusesOddSize() {
        let source = TestPatternSource(size: FrameSize(width: 321, height: 240), rate: FrameRate(frames: 25), time: ManualTime())
        #expect(throws: SourceFailure.self) { try source.open() }
    }
}

struct FileSourceTests {
    @Test("replays each fixture with its size, keyframes and looping", arguments: [
        ("clip-320x240-25fps.mjpeg", VideoCodec.mjpeg, 30, [0, 1, 2]),
        ("clip-320x240-25fps.h264", .h264, 60, [0, 25, 50]),
        ("clip-320x240-25fps.h265", .h265, 60, [0, 25, 50]),
    ])
    func replays(name: String, codec: VideoCodec, count: Int, keys: [Int]) throws {
        let time = ManualTime()
        let source = FileSource(path: Fixtures.path(name), codec: codec, rate: FrameRate(frames: 25), time: time)
        let format = try source.open()
        #expect(format.size == FrameSize(width: 320, height: 240))
        let stop = try Wakeup()
        var frames: [Frame] = []
        for _ in 0..<(count * 2) { frames.append(try #require(try source.nextFrame(stop: stop))) }
        #expect(frames.map(\.sequence) == Array(0..<UInt64(count * 2)))
        for k in keys { #expect(frames[k].isKeyframe && frames[k + count].isKeyframe) }
        // Looping repeats the same pictures.
        #expect(frames[1].bytes == frames[count + 1].bytes)
        if codec != .mjpeg { #expect(frames.allSatisfy { $0.bytes.starts(with: [0, 0, 0, 1]) || $0.bytes.starts(with: [0, 0, 1]) }) }
    }

    @Test("the index is the same whatever piece the file is read in", arguments: [
        ("clip-320x240-25fps.mjpeg", VideoCodec.mjpeg), ("clip-320x240-25fps.h264", .h264), ("clip-320x240-25fps.h265", .h265),
    ])
    func indexDoesNotDependOnPieces(name: String, codec: VideoCodec) throws {
        func index(_ piece: Int) throws -> StreamIndex {
            let file = try FileDescriptor.open(Fixtures.path(name), O_RDONLY)
            return try StreamIndex.build(file, codec: codec, piece: piece)
        }
        let whole = try index(1 << 30)
        #expect(whole.entries.count > 10)
        for piece in [61, 1000, 4097, 65536] {
            let pieces = try index(piece)
            #expect(pieces.entries == whole.entries, "piece \(piece)")
            #expect(pieces.size == whole.size)
        }
        // Each entry is a whole frame: what the fixture holds at that place.
        let bytes = try Fixtures.bytes(name)
        let ends = whole.entries.map { Int($0.offset) + $0.length }
        #expect(ends.allSatisfy { $0 <= bytes.count })
        if codec == .mjpeg {
            #expect(whole.entries.allSatisfy { bytes[Int($0.offset)] == 0xFF && bytes[Int($0.offset) + $0.length - 1] == 0xD9 })
        }
    }

    @Test("bad files are refused with a message that names the file and the problem")
    func badFiles() throws {
        let dir = try Fixtures.scratchDirectory("bad")
        let time = ManualTime()
        func failure(_ path: String, _ codec: VideoCodec) -> String {
            do {
                _ = try FileSource(path: path, codec: codec, rate: FrameRate(frames: 25), time: time).open()
                return "opened"
            } catch { return "\(error)" }
        }
        #expect(failure(dir + "/missing.h264", .h264).contains("No such file"))
        try Fixtures.write(Array(repeating: 0x55, count: 5000), to: dir + "/noise.h264")
        #expect(failure(dir + "/noise.h264", .h264).contains("no keyframe"))
        let jpeg = try Fixtures.bytes("clip-320x240-25fps.mjpeg")
        try Fixtures.write(Array(jpeg.prefix(3000)), to: dir + "/cut.mjpeg")
        #expect(failure(dir + "/cut.mjpeg", .mjpeg).contains("truncated"))
        try Fixtures.write(try Fixtures.bytes("clip-320x240-25fps.h264"), to: dir + "/h264-as.h265")
        #expect(failure(dir + "/h264-as.h265", .h265) != "opened")
        // Random bytes never crash the parsers.
        var g = SystemRandomNumberGenerator()
        for n in 0..<50 {
            var bytes = (0..<2000).map { _ in UInt8.random(in: 0...255, using: &g) }
            if n % 2 == 0 { bytes[0...3] = [0, 0, 0, 1] } else { bytes[0...1] = [0xFF, 0xD8] }
            try Fixtures.write(bytes, to: dir + "/r")
            _ = failure(dir + "/r", n % 2 == 0 ? .h264 : .mjpeg)
        }
    }
}
