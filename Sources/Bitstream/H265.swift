import EdgeCore

/// H.265 (ITU-T H.265) NAL unit facts and parameter sets.
public enum H265 {
    public static let vps: UInt8 = 32, sps: UInt8 = 33, pps: UInt8 = 34, aud: UInt8 = 35
    public static let prefixSEI: UInt8 = 39, suffixSEI: UInt8 = 40

    public static func type(_ unit: ArraySlice<UInt8>) -> UInt8 { unit.first.map { ($0 >> 1) & 0x3F } ?? 0 }
    public static func isVCL(_ t: UInt8) -> Bool { t < 32 }
    /// Intra random access points (BLA, IDR, CRA): decoding can start here.
    public static func isKeyframe(_ t: UInt8) -> Bool { (16...21).contains(t) }

    /// `first_slice_segment_in_pic_flag`, the first bit after the two-byte header.
    static func startsPicture(_ unit: ArraySlice<UInt8>) -> Bool {
        unit.count > 2 && unit[unit.startIndex + 2] & 0x80 != 0
    }

    /// What the HEVCDecoderConfigurationRecord needs from the SPS.
    struct SPSInfo {
        var profileTierLevel: [UInt8]  // 12 bytes: space/tier/profile, compat, constraints, level
        var chromaFormat: UInt32
        var bitDepthLuma: UInt32
        var bitDepthChroma: UInt32
        var size: FrameSize
        var maxSubLayers: UInt32
        var temporalIdNested: Bool
    }

    static func parseSPS(_ unit: ArraySlice<UInt8>) throws(BitstreamError) -> SPSInfo {
        let rbsp = AnnexB.rbsp(unit)
        guard rbsp.count >= 15 else { throw .truncated("H.265 SPS") }
        var r = BitReader(rbsp, skippingBytes: 2)
        try r.skip(4)
        let subLayersMinus1 = try r.bits(3)
        let nested = try r.flag()
        let ptl = Array(rbsp[3..<15])
        try r.skip(96)
        var present: [(profile: Bool, level: Bool)] = []
        for _ in 0..<subLayersMinus1 { present.append((try r.flag(), try r.flag())) }
        if subLayersMinus1 > 0 { try r.skip(2 * (8 - Int(subLayersMinus1))) }
        for p in present {
            if p.profile { try r.skip(88) }
            if p.level { try r.skip(8) }
        }
        _ = try r.ue()
        let chroma = try r.ue()
        if chroma == 3 { try r.skip(1) }
        var width = try r.ue(atMost: 16384, "H.265 SPS pic_width_in_luma_samples")
        var height = try r.ue(atMost: 16384, "H.265 SPS pic_height_in_luma_samples")
        if try r.flag() {
            let subW = chroma == 1 || chroma == 2 ? 2 : 1, subH = chroma == 1 ? 2 : 1
            let (l, rt, t, b) = (
                try r.ue(atMost: 16384, "H.265 SPS conf_win_left_offset"), try r.ue(atMost: 16384, "H.265 SPS conf_win_right_offset"),
                try r.ue(atMost: 16384, "H.265 SPS conf_win_top_offset"), try r.ue(atMost: 16384, "H.265 SPS conf_win_bottom_offset")
            )
            width -= subW * (l + rt)
            height -= subH * (t + b)
        }
        let lumaMinus8 = try r.ue(), chromaMinus8 = try r.ue()
        // bit_depth_*_minus8 is 0…8 (7.4.3.2.1); checked before adding 8 can overflow.
        guard lumaMinus8 <= 8, chromaMinus8 <= 8 else {
            throw .malformed("H.265 SPS bit depths \(lumaMinus8) + 8, \(chromaMinus8) + 8")
        }
        let luma = lumaMinus8 + 8, chromaDepth = chromaMinus8 + 8
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw .malformed("H.265 SPS gives a \(width)x\(height) picture")
        }
        return SPSInfo(
            profileTierLevel: ptl, chromaFormat: chroma, bitDepthLuma: luma, bitDepthChroma: chromaDepth,
            size: FrameSize(width: width, height: height), maxSubLayers: subLayersMinus1 + 1, temporalIdNested: nested)
    }

    public static func pictureSize(sps unit: ArraySlice<UInt8>) throws(BitstreamError) -> FrameSize {
        try parseSPS(unit).size
    }

    /// The HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1) that Matroska stores
    /// as CodecPrivate for `V_MPEGH/ISO/HEVC`, with 4-byte NAL lengths.
    public static func decoderConfiguration(
        vps: [ArraySlice<UInt8>], sps: [ArraySlice<UInt8>], pps: [ArraySlice<UInt8>]
    ) throws(BitstreamError) -> [UInt8] {
        guard !vps.isEmpty else { throw .missing("H.265 video parameter set (VPS)") }
        guard let first = sps.first else { throw .missing("H.265 sequence parameter set (SPS)") }
        guard !pps.isEmpty else { throw .missing("H.265 picture parameter set (PPS)") }
        let info = try parseSPS(first)
        var out: [UInt8] = [1]
        out += info.profileTierLevel
        out += [0xF0, 0x00]  // min_spatial_segmentation_idc = 0
        out += [0xFC]  // parallelismType unknown
        out += [0xFC | UInt8(info.chromaFormat & 3)]
        out += [0xF8 | UInt8((info.bitDepthLuma - 8) & 7)]
        out += [0xF8 | UInt8((info.bitDepthChroma - 8) & 7)]
        out += [0, 0]  // avgFrameRate unspecified
        out += [UInt8((info.maxSubLayers & 7) << 3) | (info.temporalIdNested ? 0x04 : 0) | 3]
        let arrays = [(vps, H265.vps), (sps, H265.sps), (pps, H265.pps)]
        out.append(UInt8(arrays.count))
        for (units, type) in arrays {
            out.append(0x80 | type)  // array_completeness: all parameter sets are here
            out += [UInt8(units.count >> 8), UInt8(truncatingIfNeeded: units.count)]
            for unit in units { appendSized(&out, unit) }
        }
        return out
    }
}
