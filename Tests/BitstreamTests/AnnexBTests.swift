import Bitstream
import TestSupport
import Testing

@Suite struct AnnexBTests {
    func split(_ bytes: [UInt8]) -> [[UInt8]] { AnnexB.nalUnits(bytes).map(Array.init) }

    @Test func threeAndFourByteStartCodes() {
        let stream: [UInt8] = [0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xCE, 0, 0, 0, 1, 0x65, 0x88, 0x84]
        #expect(split(stream) == [[0x67, 0x42], [0x68, 0xCE], [0x65, 0x88, 0x84]])
    }

    @Test func bytesBeforeTheFirstStartCodeAreIgnored() {
        #expect(split([0xFF, 0x12, 0, 0x00, 0, 0, 1, 0x09, 0xF0]) == [[0x09, 0xF0]])
        #expect(split([0x12, 0x34, 0x56]).isEmpty)
        #expect(split([]).isEmpty)
    }

    @Test func trailingZerosBelongToNoUnit() {
        // A zero after a unit is part of the next 4-byte start code, or trailing_zero_8bits
        // at the end of the stream (B.1.1): neither is part of the unit.
        #expect(split([0, 0, 1, 0x67, 0x42, 0, 0, 0, 0, 1, 0x68, 0xCE, 0, 0, 0, 0]) == [[0x67, 0x42], [0x68, 0xCE]])
        #expect(split([0, 0, 1, 0x09, 0xF0, 0]) == [[0x09, 0xF0]])
    }

    @Test func emptyUnitsAreDropped() {
        #expect(split([0, 0, 1, 0, 0, 1, 0x09, 0xF0, 0, 0, 1]) == [[0x09, 0xF0]])
    }

    @Test func slicesKeepTheirPositionInTheStream() {
        let stream: [UInt8] = [9, 9, 0, 0, 1, 0x41, 0x9A, 0, 0, 1, 0x01]
        let units = AnnexB.nalUnits(stream)
        #expect(units.map(\.startIndex) == [5, 10])
    }

    /// The scan as H.264 Annex B defines it, a byte at a time: what the fast scan must match.
    func reference(_ b: [UInt8]) -> [ArraySlice<UInt8>] {
        var starts: [(code: Int, unit: Int)] = []
        var i = 0
        while i + 2 < b.count {
            if b[i] == 0, b[i + 1] == 0, b[i + 2] == 1 {
                starts.append((i, i + 3))
                i += 3
            } else {
                i += 1
            }
        }
        var units: [ArraySlice<UInt8>] = []
        for (k, s) in starts.enumerated() {
            var end = k + 1 < starts.count ? starts[k + 1].code : b.count
            while end > s.unit, b[end - 1] == 0 { end -= 1 }
            if end > s.unit { units.append(b[s.unit..<end]) }
        }
        return units
    }

    @Test func theScanFindsWhatAByteByByteScanFinds() {
        var random = SeededGenerator(seed: 11)
        for _ in 0..<3000 {
            let stream = random.bytes(Int.random(in: 0...64, using: &random), from: [0, 0, 0, 1, 1, 2, 0x65, 0xFF])
            let got = AnnexB.nalUnits(stream)
            let want = reference(stream)
            #expect(got.map(\.startIndex) == want.map(\.startIndex), "\(stream)")
            #expect(got.map(Array.init) == want.map(Array.init), "\(stream)")
        }
    }

    @Test func lengthPrefixedFormPutsBigEndianLengthsFirst() {
        let long = [UInt8](repeating: 0xAB, count: 0x0102)
        let out = AnnexB.lengthPrefixed([[0x67, 0x42][...], long[...]])
        #expect(Array(out.prefix(6)) == [0, 0, 0, 2, 0x67, 0x42])
        #expect(Array(out[6..<10]) == [0, 0, 1, 2])
        #expect(out.count == 10 + 0x0102)
        #expect(AnnexB.lengthPrefixed([]).isEmpty)
        #expect(AnnexB.lengthPrefix(long[...]) == [0, 0, 1, 2])
    }

    @Test func emulationPreventionBytesAreRemoved() {
        #expect(AnnexB.rbsp([0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 0, 3, 3][...]) == [0x67, 0, 0, 1, 0, 0, 0, 0, 0, 3])
        // 03 after a single zero, or after a removed 03, is data.
        #expect(AnnexB.rbsp([0, 3, 0, 0, 3, 3][...]) == [0, 3, 0, 0, 3])
        #expect(AnnexB.rbsp([][...]).isEmpty)
    }

    @Test func escapingThenRemovingGivesTheBytesBack() {
        var random = SeededGenerator(seed: 3)
        for _ in 0..<500 {
            let rbsp = random.bytes(Int.random(in: 0...40, using: &random), from: [0, 0, 0, 1, 2, 3, 0x80])
            let unit = escaped(rbsp)
            #expect(AnnexB.rbsp(unit[...]) == rbsp)
            #expect(AnnexB.nalUnits([0, 0, 1, 0x06] + unit).count == 1, "no start code inside \(unit)")
        }
    }
}
