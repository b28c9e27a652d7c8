import EdgeCore
import Foundation
import Matroska
import TestSupport
import Testing

@Suite("Matroska files decode with ffmpeg", .enabled(if: Tool.available("ffprobe")))
struct MatroskaWriterTests {
    static let clips: [(String, VideoCodec, Int)] = [
        ("clip-320x240-25fps.mjpeg", .mjpeg, 30),
        ("clip-320x240-25fps.h264", .h264, 60),
        ("clip-320x240-25fps.h265", .h265, 60),
        ("clip-322x242-cropped.h264", .h264, 30),
    ]

    @Test("decodes clean, exact frame count, size, duration, keyframes", arguments: clips)
    func decodesClean(name: String, codec: VideoCodec, frames: Int) throws {
        let dir = try Fixtures.scratchDirectory("mkv")
        let clip = try MatroskaFiles.clip(name, codec)
        #expect(clip.frames.count == frames)
        let path = dir + "/out.mkv"
        try MatroskaFiles.write(clip, to: path)

        #expect(try Tool.ffmpegErrors(path) == "")
        let probe = try Tool.probe(path)
        #expect(probe.frames == frames)
        #expect(probe.width == clip.size.width && probe.height == clip.size.height)
        #expect(probe.codec == ["mjpeg": "mjpeg", "h264": "h264", "h265": "hevc"][codec.rawValue])

        let packets = try Tool.packets(path)
        #expect(packets.count == frames)
        // Duration from the blocks: the file has no Duration element (it is never seeked).
        let duration = packets.last!.pts + 0.040 - packets.first!.pts
        #expect(abs(duration - Double(frames) * 0.040) <= 0.040)
        let expectedKeys = clip.frames.enumerated().filter(\.element.key).map(\.offset)
        #expect(packets.enumerated().filter(\.element.key).map(\.offset) == expectedKeys)
        #expect(zip(packets, packets.dropFirst()).allSatisfy { $0.pts < $1.pts })
    }

    @Test("mkvinfo reads the structure", .enabled(if: Tool.available("mkvinfo"), "needs mkvinfo (apt-get install mkvtoolnix)"))
    func mkvinfoReads() throws {
        let dir = try Fixtures.scratchDirectory("mkv")
        try MatroskaFiles.write(try MatroskaFiles.clip("clip-320x240-25fps.h264", .h264), to: dir + "/a.mkv")
        let info = try Tool.run("mkvinfo", [dir + "/a.mkv"])
        #expect(info.status == 0)
        #expect(info.stdout.contains("Codec ID: V_MPEG4/ISO/AVC"))
        #expect(info.stdout.contains("Pixel width: 320"))
        #expect(info.stdout.contains("Name: CAMERA"))
    }

    @Test("a file cut mid-cluster plays up to the cut", arguments: [VideoCodec.mjpeg, .h264])
    func truncatedFilePlays(codec: VideoCodec) throws {
        let dir = try Fixtures.scratchDirectory("mkv")
        let name = codec == .mjpeg ? "clip-320x240-25fps.mjpeg" : "clip-320x240-25fps.h264"
        let clip = try MatroskaFiles.clip(name, codec)
        let whole = try MatroskaFiles.write(clip, to: dir + "/whole.mkv", clusterSpan: .seconds(1))
        // Cut in the middle of the 21st frame's block: 20 whole frames remain.
        let cut = whole.frameEnds[19] + clip.frames[20].bytes.count / 2
        let truncated = dir + "/cut.mkv"
        try Fixtures.write(Array(whole.bytes.prefix(cut)), to: truncated)
        let probe = try Tool.probe(truncated)
        // Every whole frame before the cut decodes; the half block is not shown.
        #expect(probe.frames == 20)
        let decoded = try Tool.run("ffmpeg", ["-nostdin", "-v", "error", "-i", truncated, "-f", "framemd5", "-"])
        let wholeDecoded = try Tool.run("ffmpeg", ["-nostdin", "-v", "error", "-i", dir + "/whole.mkv", "-f", "framemd5", "-"])
        let hashes = { (s: String) in s.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").last! } }
        #expect(Array(hashes(wholeDecoded.stdout).prefix(20)) == hashes(decoded.stdout))
    }
}
