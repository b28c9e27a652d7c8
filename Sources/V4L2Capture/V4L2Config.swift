import EdgeCore

/// How to capture from one V4L2 camera. The driver may grant something else (a nearer
/// size, a lower rate): the `StreamFormat` that `V4L2Source.open()` returns says what.
public struct V4L2Config: Sendable, Hashable {
    /// The device node: `/dev/video0`, or a stable `/dev/v4l/by-id/…` or `/dev/v4l/by-path/…` link.
    public var devicePath: String
    /// The pixel format wanted ("MJPG", "H264", "YUYV", "NV12", "GREY"); when the camera
    /// does not offer it, or it is nil, the best format offered is taken (`FourCC.recordable`).
    public var pixelFormat: FourCC?
    /// The size to ask for; nil keeps the driver's current (default) size.
    public var size: FrameSize?
    /// Frames per second asked of the driver (`VIDIOC_S_PARM`); nil keeps its rate.
    public var framesPerSecond: Int?
    /// JPEG quality (1–100) for raw formats compressed here.
    public var jpegQuality: Int
    /// How long without a frame before the camera counts as stalled.
    public var stallTimeout: Duration
    /// Driver buffers to map; at least 4, so the driver can fill some while we read one.
    public var bufferCount: Int

    public init(
        devicePath: String, pixelFormat: FourCC? = nil, size: FrameSize? = nil, framesPerSecond: Int? = nil,
        jpegQuality: Int = 80, stallTimeout: Duration = .seconds(5), bufferCount: Int = 4
    ) {
        self.devicePath = devicePath
        self.pixelFormat = pixelFormat
        self.size = size
        self.framesPerSecond = framesPerSecond
        self.jpegQuality = jpegQuality
        self.stallTimeout = stallTimeout
        self.bufferCount = bufferCount
    }
}

/// What a V4L2 source threw away, counted rather than silently dropped. Read it on the
/// thread that drives the source.
public struct V4L2Counters: Sendable, Equatable {
    /// Frames whose `bytesused` was too short for a whole picture.
    public var shortFrames: UInt64 = 0
    /// Frames the driver flagged as corrupt (`V4L2_BUF_FLAG_ERROR`) or that would not
    /// compress.
    public var corruptFrames: UInt64 = 0
    /// Dequeues that found no frame ready after all (`EAGAIN`) and were retried.
    public var retries: UInt64 = 0
    public init() {}
}
