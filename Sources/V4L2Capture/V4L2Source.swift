import EdgeCore
import EdgeSystem

/// A V4L2 camera (USB UVC, MIPI CSI, analogue capture card) as a `FrameSource`.
///
/// `open()` refuses a node that cannot capture by streaming, negotiates format, size and
/// rate (returning what the driver granted), maps at least four buffers and starts
/// streaming. `nextFrame` polls the device and the stop `Wakeup` together; compressed
/// frames (MJPEG, H.264, H.265) pass through, raw ones (YUYV, NV12, GREY) are compressed
/// to JPEG. `close()` stops streaming and releases every mapping and descriptor.
///
/// Driven by one thread at a time, as `FrameSource` requires.
public final class V4L2Source: FrameSource {
    public let config: V4L2Config
    /// Frames skipped since this source was made.
    public private(set) var counters = V4L2Counters()
    private let kernel: any V4L2Kernel
    private let time: any TimeSource
    private var session: CaptureSession?

    public convenience init(config: V4L2Config, time: any TimeSource = SystemTime()) {
        self.init(config: config, time: time, kernel: LinuxV4L2())
    }

    /// A source on `kernel`: tests pass a fake one.
    package init(config: V4L2Config, time: any TimeSource, kernel: any V4L2Kernel) {
        self.config = config
        self.time = time
        self.kernel = kernel
    }

    public var name: String { config.devicePath }

    public func open() throws -> StreamFormat {
        close()
        let session = try CaptureSession.start(config, kernel: kernel, time: time)
        self.session = session
        return session.format
    }

    public func nextFrame(stop: Wakeup) throws -> Frame? {
        guard let session else {
            throw SourceFailure(.lost, "camera \(name) is not open")
        }
        return try session.nextFrame(stop: stop, counters: &counters)
    }

    public func close() {
        session?.stop()
        session = nil
    }
}
