import EdgeCore
import EdgeSystem
import JPEGEncoding

/// The built-in camera: moving colour bars with the frame counter and the time drawn in,
/// compressed to JPEG with the same libjpeg-turbo encoder raw V4L2 frames go through.
/// A box without a camera, and CI, record real video with it.
public final class TestPatternSource: FrameSource {
    public let name: String
    private let size: FrameSize
    private let rate: FrameRate
    private let quality: Int
    private let time: any TimeSource
    private var painter: TestPatternPainter
    private var encoder: JPEGEncoder?
    private var pacer: Pacer

    public init(name: String = "test-pattern", size: FrameSize, rate: FrameRate, quality: Int = 80, time: any TimeSource) {
        self.name = name
        self.size = size
        self.rate = rate
        self.quality = quality
        self.time = time
        painter = TestPatternPainter(size: FrameSize(width: 0, height: 0))
        pacer = Pacer(interval: rate.interval, time: time)
    }

    public func open() throws -> StreamFormat {
        guard size.width >= 16, size.height >= 16, size.width % 2 == 0, size.height % 2 == 0 else {
            throw SourceFailure(.unusable, "test pattern size \(size): width and height must be even and at least 16")
        }
        encoder = try JPEGEncoder(quality: quality)
        painter = TestPatternPainter(size: size)
        return StreamFormat(codec: .mjpeg, size: size, frameRate: rate, detail: "test pattern → JPEG q\(quality)")
    }

    public func nextFrame(stop: Wakeup) throws -> Frame? {
        guard let encoder else { return nil }
        guard let (sequence, at) = pacer.waitForNextFrame(stop: stop) else { return nil }
        painter.paint(frame: sequence, caption: "#\(sequence) \(time.wallNow().readableUTC)")
        let jpeg = try painter.y.withUnsafeBufferPointer { y in
            try painter.u.withUnsafeBufferPointer { u in
                try painter.v.withUnsafeBufferPointer { v in
                    try encoder.encodePlanar(y: y.baseAddress!, u: u.baseAddress!, v: v.baseAddress!, size: size, chroma: .yuv420)
                }
            }
        }
        return Frame(bytes: jpeg, codec: .mjpeg, size: size, isKeyframe: true, captureTime: at, sequence: sequence)
    }

    public func close() {
        painter = TestPatternPainter(size: FrameSize(width: 0, height: 0))
        encoder = nil
    }
}
