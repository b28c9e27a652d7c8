import Bitstream
import EdgeCore
import TestSupport
import Testing

@Suite struct AccessUnitSplitterTests {
    func split(_ units: [[UInt8]], _ codec: VideoCodec) -> [AccessUnit] {
        var splitter = AccessUnitSplitter(codec: codec)
        var out = units.compactMap { splitter.push($0[...]) }
        if let last = splitter.flush() { out.append(last) }
        #expect(splitter.flush() == nil, "flush empties the splitter")
        return out
    }

    @Test func h264SlicesOfOnePictureStayTogether() {
        let units: [[UInt8]] = [
            [0x67, 0x42], [0x68, 0xCE],
            [0x65, 0x88], [0x65, 0x40],  // IDR: first_mb_in_slice 0, then 1
            [0x09, 0xF0], [0x41, 0x9A], [0x41, 0x40],  // delimiter, P slices of one picture
            [0x41, 0x9A],  // a new picture without a delimiter
        ]
        let found = split(units, .h264)
        #expect(found.map { $0.nalUnits.map(Array.init) } == [Array(units[0...3]), Array(units[4...6]), [units[7]]])
        #expect(found.map(\.isKeyframe) == [true, false, false])
        #expect(found[0].annexB == [0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xCE, 0, 0, 0, 1, 0x65, 0x88, 0, 0, 0, 1, 0x65, 0x40])
    }

    @Test func h265SuffixSEIBelongsToThePictureBeforeIt() {
        let units: [[UInt8]] = [
            [0x40, 0x01], [0x42, 0x01], [0x44, 0x01], [0x4E, 0x01, 0x05],  // VPS, SPS, PPS, prefix SEI
            [0x26, 0x01, 0xAF], [0x26, 0x01, 0x20],  // IDR_W_RADL, first segment then a dependent one
            [0x50, 0x01, 0x84],  // suffix SEI
            [0x02, 0x01, 0xD0], [0x2A, 0x01, 0xC0],  // TRAIL_R, then CRA starts a new picture
        ]
        let found = split(units, .h265)
        #expect(found.map { $0.nalUnits.map(Array.init) } == [Array(units[0...6]), [units[7]], [units[8]]])
        #expect(found.map(\.isKeyframe) == [true, false, true])
    }

    @Test func unitsWithoutASliceMakeNoAccessUnit() {
        #expect(split([[0x67, 0x42], [0x68, 0xCE], [0x06, 0x05]], .h264).isEmpty)
        #expect(split([], .h265).isEmpty)
        #expect(split([[0x50, 0x01, 0x84], [0x40, 0x01]], .h265).isEmpty, "a suffix SEI with no picture before it")
    }

    @Test func keyframeTypes() {
        #expect((0...63).filter { H265.isKeyframe(UInt8($0)) } == Array(16...21))
        #expect((0...31).filter { H264.isVCL(UInt8($0)) } == Array(1...5))
        #expect(H264.type([0x65][...]) == H264.idr && H264.type([][...]) == 0)
        #expect(H265.type([0x42, 0x01][...]) == H265.sps && H265.type([0x50, 0x01][...]) == H265.suffixSEI)
    }
}
