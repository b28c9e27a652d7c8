import CV4L2
import EdgeCore
import EdgeSystem
import TestSupport
import Testing
@testable import V4L2Capture

@Suite struct V4L2SourceStreamingTests {
    @Test func reportsWhatTheDriverGrantedNotWhatWasAsked() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam])
        let source = Fixture.source(kernel, Fixture.config(.yuyv, width: 1280, height: 720))
        let format = try source.open()
        defer { source.close() }
        #expect(format.size == FrameSize(width: 64, height: 48))
        #expect(format.frameRate == FrameRate(frames: 25))
        #expect(format.codec == .mjpeg)
        #expect(format.detail == "fakecam \"Fake Camera\" YUYV 64x48@25 → JPEG q80")
        #expect(kernel.calls.contains("VIDIOC_S_PARM"))
    }

    @Test func keepsTheDriversSizeAndRateWhenNoneIsAsked() throws {
        var camera = Fixture.webcam
        camera.formats[0].sizes = [(32, 24), (64, 48)]
        let kernel = FakeKernel([Fixture.path: camera])
        let source = Fixture.source(kernel, V4L2Config(devicePath: Fixture.path, pixelFormat: .yuyv))
        let format = try source.open()
        defer { source.close() }
        #expect(format.size == FrameSize(width: 32, height: 24))
        #expect(format.frameRate == FrameRate(frames: 30))
        #expect(!kernel.calls.contains("VIDIOC_S_PARM"))
    }

    @Test func mapsAtLeastFourBuffersAndQueuesThemAll() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam])
        var config = Fixture.config()
        config.bufferCount = 2
        let source = Fixture.source(kernel, config)
        _ = try source.open()
        #expect(kernel.mappedBuffers == 4)
        #expect(kernel.queuedBuffers == 4)
        source.close()
    }

    @Test func compressesRawFramesAndKeepsDriverSequenceAndTimestamp() throws {
        let kernel = FakeKernel(
            [Fixture.path: Fixture.webcam],
            script: [
                .frame(Fixture.yuyvFrame, sequence: 7, time: (12, 500)),
                .frame(Fixture.yuyvFrame, sequence: 8),
            ])
        let time = ManualTime()
        let source = Fixture.source(kernel, Fixture.config(.yuyv), time: time)
        _ = try source.open()
        defer { source.close() }
        let stop = try Wakeup()
        let first = try #require(try source.nextFrame(stop: stop))
        #expect(first.bytes.prefix(2) == [0xFF, 0xD8])
        #expect(first.codec == .mjpeg && first.isKeyframe)
        #expect(first.sequence == 7)
        #expect(first.captureTime == MonotonicInstant(nanoseconds: 12_000_500_000))
        #expect(kernel.queuedBuffers == 4, "the buffer goes back to the driver at once")
        let second = try #require(try source.nextFrame(stop: stop))
        #expect(second.sequence == 8)
        #expect(second.captureTime == time.monotonicNow(), "no monotonic timestamp: now")
    }

    @Test func passesMJPEGThroughAndSkipsTornFrames() throws {
        let kernel = FakeKernel(
            [Fixture.path: Fixture.webcam],
            script: [.frame([0x00, 0x11, 0x22], sequence: 0), .frame(Fixture.jpegFrame, sequence: 1)])
        let source = Fixture.source(kernel, Fixture.config(.mjpeg))
        let format = try source.open()
        defer { source.close() }
        #expect(format.detail.contains("MJPG") && format.detail.contains("passed through"))
        let frame = try #require(try source.nextFrame(stop: try Wakeup()))
        #expect(frame.bytes == Fixture.jpegFrame)
        #expect(frame.sequence == 1)
        #expect(source.counters.corruptFrames == 1)
    }

    @Test func takesTheBestOfferedFormatWhenThePreferredIsMissing() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam])
        let source = Fixture.source(kernel, Fixture.config("H264"))
        let format = try source.open()
        defer { source.close() }
        #expect(format.detail.hasPrefix("fakecam \"Fake Camera\" MJPG"))
        #expect(format.detail.hasSuffix("H264 not offered"))
    }

    @Test func findsH264KeyframesByFlagOrByNALType() throws {
        let keyFlag = UInt32(V4L2_BUF_FLAG_KEYFRAME)
        let kernel = FakeKernel(
            [Fixture.path: Fixture.h264Camera],
            script: [
                .frame(Fixture.predicted, sequence: 0, flags: keyFlag),
                .frame(Fixture.idr, sequence: 1),
                .frame(Fixture.predicted, sequence: 2),
            ])
        let source = Fixture.source(kernel)
        #expect(try source.open().codec == .h264)
        defer { source.close() }
        let stop = try Wakeup()
        let keys = try (0..<3).map { _ in try #require(try source.nextFrame(stop: stop)).isKeyframe }
        #expect(keys == [true, true, false])
    }

    @Test func retriesWhenTheFrameIsNotReadyAfterAll() throws {
        let kernel = FakeKernel(
            [Fixture.path: Fixture.webcam], script: [.wouldBlock, .wouldBlock, Fixture.frame(3)])
        let source = Fixture.source(kernel)
        _ = try source.open()
        defer { source.close() }
        #expect(try source.nextFrame(stop: try Wakeup())?.sequence == 3)
        #expect(source.counters.retries == 2)
    }

    @Test func skipsAndCountsShortFrames() throws {
        let kernel = FakeKernel(
            [Fixture.path: Fixture.webcam],
            script: [
                .frame(Fixture.yuyvFrame, sequence: 0, bytesused: 100),
                .frame(Fixture.yuyvFrame, sequence: 1, bytesused: 0),
                .frame(Fixture.yuyvFrame, sequence: 2, flags: UInt32(V4L2_BUF_FLAG_ERROR)),
                Fixture.frame(3),
            ])
        let source = Fixture.source(kernel, Fixture.config(.yuyv))
        _ = try source.open()
        defer { source.close() }
        #expect(try source.nextFrame(stop: try Wakeup())?.sequence == 3)
        #expect(source.counters.shortFrames == 2)
        #expect(source.counters.corruptFrames == 1)
        #expect(kernel.queuedBuffers == 4, "skipped buffers are queued again too")
        #expect(kernel.mistakes.isEmpty)
    }

    @Test func returnsNilOnceStopIsSignalled() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam])
        let source = Fixture.source(kernel)
        _ = try source.open()
        defer { source.close() }
        let stop = try Wakeup()
        stop.signal()
        #expect(try source.nextFrame(stop: stop) == nil)
    }

    @Test func convertsThroughLibV4L2WhenNothingOfferedCanBeRecorded() throws {
        var bayer = FakeCamera(formats: [.init(fourcc: "BA81", name: "8-bit Bayer BGBG/GRGR", sizes: [(64, 48)])])
        bayer.converted = [.init(fourcc: .yuv420, name: "Planar YUV 4:2:0 (emulated)", sizes: [(64, 48)])]
        let yu12 = [UInt8](repeating: 0x80, count: 64 * 48 * 3 / 2)
        let kernel = FakeKernel([Fixture.path: bayer], script: [.frame(yu12, sequence: 0)])
        let source = Fixture.source(kernel, Fixture.config(nil))
        let format = try source.open()
        #expect(kernel.convertingOpens == 1)
        #expect(format.detail == "fakecam \"Fake Camera\" YU12 (converted by libv4l2) 64x48@25 → JPEG q80")
        let frame = try #require(try source.nextFrame(stop: try Wakeup()))
        #expect(frame.bytes.prefix(2) == [0xFF, 0xD8])
        source.close()
        #expect(kernel.openDescriptors == 0)
    }

    @Test func extendsTheDriversSequenceAcrossWrapAround() {
        var unwrapper = SequenceUnwrapper()
        let numbers = [UInt32.max - 1, UInt32.max, 0, 1].map { unwrapper.unwrap($0) }
        #expect(numbers == [0xFFFF_FFFE, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001])
    }

    @Test func fourccsMatchTheKernelsValues() {
        let texts = ["YUYV", "MJPG", "H264", "Y8", "TOOLONG", "é"]
        let codes = texts.map { FourCC($0) }
        #expect(codes[0] == .yuyv && codes[1] == .mjpeg)
        #expect(codes[2]?.rawValue == CV4L2_V4L2_PIX_FMT_H264)
        #expect(codes[3]?.description == "Y8")
        #expect(codes[4] == nil && codes[5] == nil)
        #expect(FourCC.nv12.description == "NV12")
    }
}
