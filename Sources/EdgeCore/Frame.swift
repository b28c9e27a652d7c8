import EdgeSystem

/// What a frame's bytes are.
public enum VideoCodec: String, Sendable, Hashable, CaseIterable, Codable {
    /// One JPEG image per frame (every frame a keyframe).
    case mjpeg
    /// H.264 access units in Annex-B form (start codes).
    case h264
    /// H.265 access units in Annex-B form (start codes).
    case h265

    /// The Matroska codec ID.
    public var matroskaCodecID: String {
        switch self {
        case .mjpeg: "V_MJPEG"
        case .h264: "V_MPEG4/ISO/AVC"
        case .h265: "V_MPEGH/ISO/HEVC"
        }
    }

    /// Whether every frame decodes on its own.
    public var isIntraOnly: Bool { self == .mjpeg }
}

/// The picture size in pixels.
public struct FrameSize: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)x\(height)" }
}

/// One captured picture, as it leaves a source.
public struct Frame: Sendable {
    /// The compressed picture: a JPEG, or one Annex-B access unit.
    public var bytes: [UInt8]
    public var codec: VideoCodec
    public var size: FrameSize
    /// Whether decoding can start at this frame.
    public var isKeyframe: Bool
    /// When the picture was captured, on `CLOCK_MONOTONIC`.
    public var captureTime: MonotonicInstant
    /// The source's frame counter, continuous across reopenings of the same camera.
    public var sequence: UInt64

    public init(
        bytes: [UInt8], codec: VideoCodec, size: FrameSize, isKeyframe: Bool,
        captureTime: MonotonicInstant, sequence: UInt64
    ) {
        self.bytes = bytes
        self.codec = codec
        self.size = size
        self.isKeyframe = isKeyframe
        self.captureTime = captureTime
        self.sequence = sequence
    }
}

/// What a source delivers once opened: what was asked for may differ from what the
/// device granted, and the segment records the grant.
public struct StreamFormat: Hashable, Sendable, CustomStringConvertible {
    public var codec: VideoCodec
    public var size: FrameSize
    /// Frames per second as a fraction (V4L2 gives intervals as fractions: 1/25, 1001/30000).
    public var frameRate: FrameRate
    /// Free text about the capture path, recorded in the segment (`vivid YUYV → JPEG q80`).
    public var detail: String

    public init(codec: VideoCodec, size: FrameSize, frameRate: FrameRate, detail: String) {
        self.codec = codec
        self.size = size
        self.frameRate = frameRate
        self.detail = detail
    }

    public var description: String { "\(codec.rawValue) \(size) @ \(frameRate) fps (\(detail))" }
}

/// A frame rate as frames per `per` seconds: 25/1, 30000/1001.
public struct FrameRate: Hashable, Sendable, CustomStringConvertible {
    public var frames: Int
    public var per: Int
    public init(frames: Int, per: Int = 1) {
        precondition(frames > 0 && per > 0, "a frame rate is positive")
        self.frames = frames
        self.per = per
    }
    /// The time between two frames.
    public var interval: Duration { .nanoseconds(Int64(per) * 1_000_000_000 / Int64(frames)) }
    public var perSecond: Double { Double(frames) / Double(per) }
    public var description: String {
        per == 1 ? "\(frames)" : String(Double(frames) / Double(per)).prefix(6).description
    }
}
