import Bitstream
import EdgeCore

/// Finds keyframes in Annex-B H.264/H.265 access units, for cameras that do not set
/// `V4L2_BUF_FLAG_KEYFRAME` (many UVC H.264 cameras do not).
enum KeyframeScan {
    /// Whether the access unit holds an IDR picture (H.264) or an IRAP picture (H.265).
    static func containsKeyframe(_ bytes: [UInt8], codec: VideoCodec) -> Bool {
        Bitstream.AnnexB.nalUnits(bytes).contains { unit in
            codec == .h264 ? H264.type(unit) == H264.idr : H265.isKeyframe(H265.type(unit))
        }
    }
}

/// Extends the driver's 32-bit `sequence` to 64 bits across wrap-around (vivid's
/// `wrap_sequence_number` control forces one).
struct SequenceUnwrapper {
    private var epoch: UInt64 = 0
    private var last: UInt32?

    mutating func unwrap(_ sequence: UInt32) -> UInt64 {
        if let last, sequence < last, last - sequence > 1 << 31 { epoch += 1 << 32 }
        last = sequence
        return epoch + UInt64(sequence)
    }
}
