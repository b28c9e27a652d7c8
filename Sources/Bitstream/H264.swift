import EdgeCore

/// H.264 (ITU-T H.264) NAL unit facts and parameter sets.
public enum H264 {
    public static let idr: UInt8 = 5, sei: UInt8 = 6, sps: UInt8 = 7, pps: UInt8 = 8, aud: UInt8 = 9

    public static func type(_ unit: ArraySlice<UInt8>) -> UInt8 { unit.first.map { $0 & 0x1F } ?? 0 }
    public static func isVCL(_ t: UInt8) -> Bool { (1...5).contains(t) }

    /// Whether a slice NAL unit starts a new picture: `first_mb_in_slice` is ue(v) 0,
    /// which is the single bit 1.
    static func startsPicture(_ unit: ArraySlice<UInt8>) -> Bool {
        unit.count > 1 && unit[unit.startIndex + 1] & 0x80 != 0
    }

    /// The picture size from a sequence parameter set (7.3.2.1.1), cropping applied.
    public static func pictureSize(sps unit: ArraySlice<UInt8>) throws(BitstreamError) -> FrameSize {
        var r = BitReader(AnnexB.rbsp(unit), skippingBytes: 1)
        let profile = try r.bits(8)
        try r.skip(16)  // constraint flags, level_idc
        _ = try r.ue()  // seq_parameter_set_id
        var chromaFormat: UInt32 = 1
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            chromaFormat = try r.ue()
            if chromaFormat == 3 { try r.skip(1) }
            _ = try r.ue()
            _ = try r.ue()
            try r.skip(1)
            if try r.flag() {
                for i in 0..<(chromaFormat == 3 ? 12 : 8) where try r.flag() {
                    try skipScalingList(&r, count: i < 6 ? 16 : 64)
                }
            }
        }
        _ = try r.ue()  // log2_max_frame_num_minus4
        let pocType = try r.ue()
        if pocType == 0 {
            _ = try r.ue()
        } else if pocType == 1 {
            try r.skip(1)
            _ = try r.se()
            _ = try r.se()
            let cycle = try r.ue()
            guard cycle < 256 else { throw .malformed("SPS num_ref_frames_in_pic_order_cnt_cycle \(cycle)") }
            for _ in 0..<cycle { _ = try r.se() }
        }
        _ = try r.ue()
        try r.skip(1)
        // 16384 pixels at most either way (checked again below, once cropped).
        let widthMBs = try r.ue(atMost: 1023, "SPS pic_width_in_mbs_minus1") + 1
        let heightUnits = try r.ue(atMost: 1023, "SPS pic_height_in_map_units_minus1") + 1
        let frameMBsOnly = try r.flag()
        if !frameMBsOnly { try r.skip(1) }
        try r.skip(1)
        var crop = (left: 0, right: 0, top: 0, bottom: 0)
        if try r.flag() {
            crop = (
                try r.ue(atMost: 16384, "SPS frame_crop_left_offset"), try r.ue(atMost: 16384, "SPS frame_crop_right_offset"),
                try r.ue(atMost: 16384, "SPS frame_crop_top_offset"), try r.ue(atMost: 16384, "SPS frame_crop_bottom_offset")
            )
        }
        let fieldFactor = frameMBsOnly ? 1 : 2
        let (unitX, unitY) =
            switch chromaFormat {
            case 0: (1, fieldFactor)
            case 1: (2, 2 * fieldFactor)
            case 2: (2, fieldFactor)
            default: (1, fieldFactor)
            }
        let width = widthMBs * 16 - unitX * (crop.left + crop.right)
        let height = fieldFactor * heightUnits * 16 - unitY * (crop.top + crop.bottom)
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw .malformed("SPS gives a \(width)x\(height) picture")
        }
        return FrameSize(width: width, height: height)
    }

    private static func skipScalingList(_ r: inout BitReader, count: Int) throws(BitstreamError) {
        var last: Int32 = 8, next: Int32 = 8
        for _ in 0..<count where next != 0 {
            // delta_scale is -128…127 (7.4.2.1.1.1); a damaged SPS could overflow the sum.
            let delta = try r.se()
            guard (-128...127).contains(delta) else { throw .malformed("SPS delta_scale \(delta)") }
            next = (last + delta + 256) % 256
            last = next == 0 ? last : next
        }
    }

    /// The AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) that Matroska stores as
    /// CodecPrivate for `V_MPEG4/ISO/AVC`, with 4-byte NAL lengths.
    public static func decoderConfiguration(sps: [ArraySlice<UInt8>], pps: [ArraySlice<UInt8>]) throws(BitstreamError) -> [UInt8] {
        guard let first = sps.first, first.count >= 4 else { throw .missing("H.264 sequence parameter set (SPS)") }
        guard !pps.isEmpty else { throw .missing("H.264 picture parameter set (PPS)") }
        let s = Array(first)
        var out: [UInt8] = [1, s[1], s[2], s[3], 0xFF, 0xE0 | UInt8(min(sps.count, 31))]
        for unit in sps.prefix(31) { appendSized(&out, unit) }
        out.append(UInt8(min(pps.count, 255)))
        for unit in pps.prefix(255) { appendSized(&out, unit) }
        return out
    }
}

func appendSized(_ out: inout [UInt8], _ unit: ArraySlice<UInt8>) {
    out += [UInt8(truncatingIfNeeded: unit.count >> 8), UInt8(truncatingIfNeeded: unit.count)]
    out += unit
}
