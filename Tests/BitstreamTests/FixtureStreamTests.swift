import Bitstream
import EdgeCore
import Testing

/// The fixtures' facts, as `ffprobe -show_frames` reports them.
struct ClipFacts: Sendable, CustomTestStringConvertible {
    var name: String
    var codec: VideoCodec
    var size: FrameSize
    var frames: Int
    var keyframes: [Int]
    var testDescription: String { name }
}

@Suite struct FixtureStreamTests {
    static let clips = [
        ClipFacts(name: "clip-320x240-25fps.h264", codec: .h264, size: FrameSize(width: 320, height: 240), frames: 60, keyframes: [0, 25, 50]),
        ClipFacts(name: "clip-320x240-25fps.h265", codec: .h265, size: FrameSize(width: 320, height: 240), frames: 60, keyframes: [0, 25, 50]),
        ClipFacts(name: "clip-322x242-cropped.h264", codec: .h264, size: FrameSize(width: 322, height: 242), frames: 30, keyframes: [0, 10, 20]),
    ]

    @Test(arguments: clips)
    func pictureSizeComesFromTheSPS(_ facts: ClipFacts) throws {
        let clip = try Clip(facts.name, facts.codec)
        #expect(clip.parameterSets.isComplete(for: facts.codec))
        #expect(try clip.parameterSets.pictureSize(codec: facts.codec) == facts.size)
    }

    @Test(arguments: clips)
    func accessUnitsAndKeyframes(_ facts: ClipFacts) throws {
        let clip = try Clip(facts.name, facts.codec)
        #expect(clip.accessUnits.count == facts.frames)
        #expect(clip.keyframeIndices == facts.keyframes)
        // Every NAL unit lands in exactly one access unit, in order.
        #expect(clip.accessUnits.flatMap(\.nalUnits).map(\.startIndex) == clip.units.map(\.startIndex))
    }

    @Test(arguments: clips)
    func keyframesCarryTheParameterSets(_ facts: ClipFacts) throws {
        let clip = try Clip(facts.name, facts.codec)
        for index in facts.keyframes {
            var sets = ParameterSets()
            let changed = sets.collect(clip.accessUnits[index].nalUnits, codec: facts.codec)
            #expect(changed && sets.isComplete(for: facts.codec), "access unit \(index)")
            #expect(sets == clip.parameterSets, "access unit \(index)")
            let again = sets.collect(clip.accessUnits[index].nalUnits, codec: facts.codec)
            #expect(!again, "the same sets again change nothing")
        }
    }

    @Test(arguments: clips)
    func annexBFormRoundTrips(_ facts: ClipFacts) throws {
        let clip = try Clip(facts.name, facts.codec)
        for unit in clip.accessUnits {
            #expect(AnnexB.nalUnits(unit.annexB).map(Array.init) == unit.nalUnits.map(Array.init))
        }
    }

    @Test func avcCLayout() throws {
        let clip = try Clip("clip-320x240-25fps.h264", .h264)
        let sps = clip.first(H264.sps), pps = clip.first(H264.pps)
        var r = RecordReader(bytes: try clip.parameterSets.decoderConfiguration(codec: .h264))
        #expect(r.byte() == 1, "configurationVersion")
        #expect(r.take(3) == Array(sps[1...3]), "profile, compatibility and level are SPS bytes 1…3")
        #expect(sps[1] == 100 && sps[3] == 13, "High profile, level 1.3, as ffprobe says")
        #expect(r.byte() == 0xFF, "reserved bits and lengthSizeMinusOne = 3")
        #expect(r.byte() == 0xE1, "reserved bits and one SPS")
        #expect(r.u16() == sps.count)
        #expect(r.take(sps.count) == sps)
        #expect(r.byte() == 1, "one PPS")
        #expect(r.u16() == pps.count)
        #expect(r.take(pps.count) == pps)
        #expect(r.atEnd)
    }

    @Test func hvcCLayout() throws {
        let clip = try Clip("clip-320x240-25fps.h265", .h265)
        let sps = clip.first(H265.sps)
        var r = RecordReader(bytes: try clip.parameterSets.decoderConfiguration(codec: .h265))
        #expect(r.byte() == 1, "configurationVersion")
        let profileTierLevel = r.take(12)
        #expect(profileTierLevel == Array(AnnexB.rbsp(sps[...])[3..<15]))
        #expect(profileTierLevel.first == 0x01 && profileTierLevel.last == 60, "Main profile, level 2, as ffprobe says")
        #expect(r.take(2) == [0xF0, 0x00], "min_spatial_segmentation_idc")
        #expect(r.byte() == 0xFC, "parallelismType")
        #expect(r.byte() == 0xFD, "chroma_format_idc 1 (4:2:0)")
        #expect(r.take(2) == [0xF8, 0xF8], "8-bit luma and chroma")
        #expect(r.u16() == 0, "avgFrameRate")
        #expect(r.byte() == 0x0F, "one temporal layer, nested, lengthSizeMinusOne = 3")
        #expect(r.byte() == 3, "numOfArrays")
        for type in [H265.vps, H265.sps, H265.pps] {
            #expect(r.byte() == 0x80 | type, "array_completeness set, type \(type)")
            #expect(r.u16() == 1)
            let unit = clip.first(type)
            #expect(r.u16() == unit.count)
            #expect(r.take(unit.count) == unit)
        }
        #expect(r.atEnd)
    }
}
