import Bitstream
import EdgeCore
import TestSupport
import Testing

@Suite struct ParameterSetTests {
    /// A Baseline-profile SPS for 1920x1088 coded, cropped to 1080 (8 rows at the bottom).
    func baselineSPS(frameMBsOnly: Bool = true) -> [UInt8] {
        var w = BitWriter()
        w.u(66, 8); w.u(0xC0, 8); w.u(40, 8)  // profile, constraint flags, level
        w.ue(0); w.ue(0); w.ue(2); w.ue(1); w.flag(false)  // id, frame_num, POC type 2, refs, gaps
        w.ue(119)  // 120 macroblocks wide
        w.ue(frameMBsOnly ? 67 : 33)  // 68 frame or 34 field map units high
        w.flag(frameMBsOnly)
        if !frameMBsOnly { w.flag(false) }
        w.flag(true); w.flag(true)  // direct_8x8_inference, frame_cropping
        w.ue(0); w.ue(0); w.ue(0); w.ue(frameMBsOnly ? 4 : 2)  // 4:2:0 crop units: 2 rows, 4 if interlaced
        w.flag(false)  // no VUI
        return w.nalUnit(header: [0x67])
    }

    /// A High-profile SPS whose first scaling list has `delta` as its first delta_scale.
    func highSPS(delta: Int64) -> [UInt8] {
        var w = BitWriter()
        w.u(100, 8); w.u(0, 8); w.u(30, 8)
        w.ue(0); w.ue(1); w.ue(0); w.ue(0); w.flag(false)  // id, 4:2:0, 8-bit, no bypass
        w.flag(true); w.flag(true); w.se(delta)  // scaling matrix, list 0 present
        for _ in 1..<16 { w.se(0) }
        for _ in 1..<8 { w.flag(false) }
        w.ue(0); w.ue(0); w.ue(4); w.ue(1); w.flag(false)
        w.ue(19); w.ue(14); w.flag(true); w.flag(true); w.flag(false); w.flag(false)  // 320x240
        return w.nalUnit(header: [0x67])
    }

    /// An H.265 SPS for 320x240 with the given bit_depth_luma_minus8.
    func hevcSPS(lumaMinus8: UInt64) -> [UInt8] {
        var w = BitWriter()
        w.u(0, 4); w.u(0, 3); w.flag(true)  // VPS id, one sub-layer, nested
        w.u(0x01, 8); w.u(0x6000_0000, 32); w.u(0x9000_0000_0000, 48); w.u(60, 8)  // profile tier level
        w.ue(0); w.ue(1); w.ue(320); w.ue(240); w.flag(false); w.ue(lumaMinus8); w.ue(0)
        return w.nalUnit(header: [0x42, 0x01])
    }

    @Test func croppingAppliesToFramesAndFields() throws {
        #expect(try H264.pictureSize(sps: baselineSPS()[...]) == FrameSize(width: 1920, height: 1080))
        #expect(try H264.pictureSize(sps: baselineSPS(frameMBsOnly: false)[...]) == FrameSize(width: 1920, height: 1080))
    }

    @Test func scalingListsAreSkipped() throws {
        #expect(try H264.pictureSize(sps: highSPS(delta: 8)[...]) == FrameSize(width: 320, height: 240))
    }

    @Test func outOfRangeDeltaScaleIsAnErrorNotATrap() {
        #expect(throws: BitstreamError.malformed("SPS delta_scale 2147483647")) { try H264.pictureSize(sps: highSPS(delta: 2_147_483_647)[...]) }
        #expect(throws: BitstreamError.self) { try H264.pictureSize(sps: highSPS(delta: -129)[...]) }
    }

    @Test func handMadeHEVCSPS() throws {
        #expect(try H265.pictureSize(sps: hevcSPS(lumaMinus8: 0)[...]) == FrameSize(width: 320, height: 240))
        #expect(throws: BitstreamError.self) { try H265.pictureSize(sps: hevcSPS(lumaMinus8: 9)[...]) }
        // ue(v) 2^32-3: adding 8 would overflow a UInt32.
        #expect(throws: BitstreamError.self) { try H265.pictureSize(sps: hevcSPS(lumaMinus8: 4_294_967_293)[...]) }
    }

    /// A cut parameter set throws, or gives the full one's size when the cut is past every
    /// bit the size needs; it never gives another size.
    @Test(arguments: [("clip-320x240-25fps.h264", VideoCodec.h264, 5), ("clip-320x240-25fps.h265", .h265, 15)])
    func truncatedParameterSetsThrow(_ name: String, _ codec: VideoCodec, _ alwaysShort: Int) throws {
        let clip = try Clip(name, codec)
        let sps = clip.first(codec == .h264 ? H264.sps : H265.sps)
        let full = FrameSize(width: 320, height: 240)
        for length in 0..<sps.count {
            var cut = ParameterSets()
            cut.sps = [Array(sps.prefix(length))]
            do throws(BitstreamError) {
                let size = try cut.pictureSize(codec: codec)
                #expect(size == full && length >= alwaysShort, "\(length) bytes")
            } catch {
                #expect(error != .missing("sequence parameter set (SPS)"))
            }
        }
        let short = Array(sps.prefix(alwaysShort - 1))[...]
        #expect(throws: BitstreamError.truncated(codec == .h264 ? "parameter set" : "H.265 SPS")) {
            _ = codec == .h264 ? try H264.pictureSize(sps: short) : try H265.pictureSize(sps: short)
        }
    }

    @Test func missingParameterSetsAreNamed() throws {
        let clip = try Clip("clip-320x240-25fps.h265", .h265)
        var onlySPS = ParameterSets()
        onlySPS.sps = clip.parameterSets.sps
        #expect(!onlySPS.isComplete(for: .h264) && !onlySPS.isComplete(for: .h265))
        #expect(throws: BitstreamError.missing("H.264 picture parameter set (PPS)")) { try onlySPS.decoderConfiguration(codec: .h264) }
        #expect(throws: BitstreamError.missing("H.265 video parameter set (VPS)")) { try onlySPS.decoderConfiguration(codec: .h265) }
        #expect(throws: BitstreamError.missing("sequence parameter set (SPS)")) { try ParameterSets().pictureSize(codec: .h264) }
        #expect(try ParameterSets().decoderConfiguration(codec: .mjpeg).isEmpty)
        #expect(BitstreamError.missing("sequence parameter set (SPS)").description == "the stream has no sequence parameter set (SPS)")
        #expect(BitstreamError.truncated("H.265 SPS").description == "the H.265 SPS ends too early")
    }

    @Test func aNewParameterSetReplacesTheOld() {
        var sets = ParameterSets()
        let changes = [
            sets.collect([[0x67, 1][...], [0x68, 1][...], [0x65, 0x88][...]], codec: .h264),
            sets.collect([[0x67, 2][...]], codec: .h264),
            sets.collect([[0x65, 0x88][...]], codec: .h264),
        ]
        #expect(changes == [true, true, false])
        #expect(sets.sps == [[0x67, 2]] && sets.pps == [[0x68, 1]] && sets.vps.isEmpty)
    }
}
