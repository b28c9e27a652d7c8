import CV4L2
import EdgeCore
import JPEGEncoding

/// A V4L2 pixel format code: four ASCII characters packed little-endian (`v4l2_fourcc`).
public struct FourCC: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A code from its text, "MJPG" or "Y8" (padded with spaces); nil unless 1–4 ASCII
    /// characters.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (1...4).contains(bytes.count), bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let padded = bytes + Array(repeating: UInt8(ascii: " "), count: 4 - bytes.count)
        rawValue = padded.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    public init(stringLiteral text: String) {
        guard let code = FourCC(text) else { preconditionFailure("\"\(text)\" is not a fourcc") }
        self = code
    }

    /// The four characters, trailing spaces dropped ("Y8  " reads "Y8"); a big-endian
    /// variant (bit 31) reads "XXXX-BE".
    public var description: String {
        let chars = (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) & 0x7F }
        let text = String(decoding: chars.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        let trimmed = String(text.reversed().drop(while: { $0 == " " }).reversed())
        return rawValue & (1 << 31) != 0 ? trimmed + "-BE" : trimmed
    }

    /// `V4L2_PIX_FMT_MJPEG`
    public static let mjpeg = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_MJPEG)
    /// `V4L2_PIX_FMT_JPEG`
    public static let jpeg = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_JPEG)
    /// `V4L2_PIX_FMT_H264` (with start codes)
    public static let h264 = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_H264)
    /// `V4L2_PIX_FMT_HEVC`
    public static let hevc = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_HEVC)
    /// `V4L2_PIX_FMT_YUYV`
    public static let yuyv = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_YUYV)
    /// `V4L2_PIX_FMT_NV12`
    public static let nv12 = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_NV12)
    /// `V4L2_PIX_FMT_GREY`
    public static let grey = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_GREY)
    /// `V4L2_PIX_FMT_YUV420` ("YU12"): what libv4l2 converts other formats to.
    public static let yuv420 = FourCC(rawValue: CV4L2_V4L2_PIX_FMT_YUV420)

    /// The formats recorded, best first when the configuration prefers none: compressed
    /// streams pass through; raw pictures are compressed to JPEG here.
    public static let recordable: [FourCC] = [.h264, .hevc, .mjpeg, .jpeg, .yuyv, .nv12, .grey, .yuv420]

    /// How frames in this format become recorded frames; nil when they cannot.
    var handling: FrameHandling? {
        switch self {
        case .mjpeg, .jpeg: .passThrough(.mjpeg)
        case .h264: .passThrough(.h264)
        case .hevc: .passThrough(.h265)
        case .yuyv: .compress(.yuyv)
        case .nv12: .compress(.nv12)
        case .grey: .compress(.grey)
        case .yuv420: .compressPlanar420
        default: nil
        }
    }
}

/// What becomes of a captured buffer.
enum FrameHandling: Equatable {
    /// Already compressed: copied out as it is.
    case passThrough(VideoCodec)
    /// A raw layout `RawFrameCompressor` takes.
    case compress(RawFrameCompressor.Layout)
    /// Planar YUV 4:2:0, given straight to the JPEG encoder.
    case compressPlanar420
}
