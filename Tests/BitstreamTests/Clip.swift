import Bitstream
import EdgeCore
import TestSupport

/// A fixture elementary stream, split as the file source and segmenter split it.
struct Clip {
    let codec: VideoCodec
    let units: [ArraySlice<UInt8>]
    let accessUnits: [AccessUnit]
    let parameterSets: ParameterSets

    init(_ name: String, _ codec: VideoCodec) throws {
        self.codec = codec
        units = AnnexB.nalUnits(try Fixtures.bytes(name))
        var splitter = AccessUnitSplitter(codec: codec)
        var found: [AccessUnit] = []
        for unit in units {
            if let done = splitter.push(unit) { found.append(done) }
        }
        if let last = splitter.flush() { found.append(last) }
        accessUnits = found
        var sets = ParameterSets()
        sets.collect(units, codec: codec)
        parameterSets = sets
    }

    var keyframeIndices: [Int] { accessUnits.indices.filter { accessUnits[$0].isKeyframe } }

    /// The first unit of a NAL unit type.
    func first(_ type: UInt8) -> [UInt8] {
        let match = units.first { (codec == .h264 ? H264.type($0) : H265.type($0)) == type }
        return match.map(Array.init) ?? []
    }
}

/// Reads a decoder configuration record field by field.
struct RecordReader {
    let bytes: [UInt8]
    var at = 0

    mutating func byte() -> UInt8 {
        defer { at += 1 }
        return at < bytes.count ? bytes[at] : 0
    }

    mutating func u16() -> Int { Int(byte()) << 8 | Int(byte()) }

    mutating func take(_ n: Int) -> [UInt8] {
        defer { at += n }
        return Array(bytes[min(at, bytes.count)..<min(at + n, bytes.count)])
    }

    var atEnd: Bool { at == bytes.count }
}
