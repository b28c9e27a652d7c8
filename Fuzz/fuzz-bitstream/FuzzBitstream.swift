import Bitstream
import EdgeCore
import FuzzSupport

/// The bitstream parsers, then the recording path a replayed file takes.
///
/// The first byte picks the codec (its value modulo 3: H.264, H.265, MJPEG); the rest is
/// a stream as a camera or replay file would hold it. For H.264/H.265 the Annex-B split,
/// emulation-prevention removal, access-unit grouping and parameter sets are checked
/// directly (see `checkAnnexB`); for every codec the stream is then replayed through
/// `FileSource` and `Segmenter` into Matroska (see `Recording`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    let codec = [VideoCodec.h264, .h265, .mjpeg][Int(input.byte() % 3)]
    let stream = input.rest()
    if codec != .mjpeg { checkAnnexB(stream, codec: codec) }
    Recording.replay(stream, codec: codec)
    return 0
}

/// NAL units are the bytes between start codes, none empty or ending in a zero byte;
/// length-prefixing keeps them; every unit lands in one access unit (or in the tail of
/// parameter sets after the last picture); what the parameter sets give is well-formed.
func checkAnnexB(_ stream: [UInt8], codec: VideoCodec) {
    let units = AnnexB.nalUnits(stream)
    var end = 0
    for unit in units {
        expect(!unit.isEmpty && unit.last != 0, "an empty NAL unit, or one ending in a zero byte")
        expect(unit.startIndex >= end + 3 && unit.endIndex <= stream.count, "NAL units overlap or leave the stream")
        expect(Array(stream[(unit.startIndex - 3)..<unit.startIndex]) == [0, 0, 1], "a NAL unit not after a start code")
        expect(!unit.pieces(separatedBy: [0, 0, 1]).dropFirst().contains { _ in true }, "a start code inside a NAL unit")
        end = unit.endIndex
        let rbsp = AnnexB.rbsp(unit)
        expect(rbsp.count <= unit.count, "RBSP longer than its NAL unit")
        _ = try? H264.pictureSize(sps: unit)
        _ = try? H265.pictureSize(sps: unit)
    }
    var prefixed = AnnexB.lengthPrefixed(units)[...]
    for unit in units {
        let length = prefixed.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        expect(prefixed.dropFirst(4).prefix(length).elementsEqual(unit), "length-prefixed units differ")
        prefixed = prefixed.dropFirst(4 + length)
    }
    expect(prefixed.isEmpty, "bytes left after the length-prefixed units")

    var splitter = AccessUnitSplitter(codec: codec)
    var accessUnits: [AccessUnit] = []
    for unit in units { if let done = splitter.push(unit) { accessUnits.append(done) } }
    if let last = splitter.flush() { accessUnits.append(last) }
    let grouped = accessUnits.flatMap(\.nalUnits)
    expect(grouped.count <= units.count && zip(grouped, units).allSatisfy { $0.startIndex == $1.startIndex },
           "access units do not hold the NAL units in order")
    var sets = ParameterSets()
    for accessUnit in accessUnits {
        expect(!accessUnit.nalUnits.isEmpty, "an empty access unit")
        sets.collect(accessUnit.nalUnits, codec: codec)
    }
    if let record = try? sets.decoderConfiguration(codec: codec) {
        expect(DecoderRecord.parameterSets(record, codec: codec) == DecoderRecord.expected(sets, codec: codec),
               "the \(codec == .h264 ? "avcC" : "hvcC") record does not hold the parameter sets")
    }
    if let size = try? sets.pictureSize(codec: codec) {
        expect(size.width > 0 && size.height > 0 && size.width <= 16384 && size.height <= 16384, "picture size \(size)")
    }
}

/// Reads back the parameter sets of an avcC (ISO/IEC 14496-15 §5.3.3.1) or hvcC (§8.3.3.1)
/// record, to check what `ParameterSets.decoderConfiguration` wrote.
enum DecoderRecord {
    static func expected(_ sets: ParameterSets, codec: VideoCodec) -> [[UInt8]]? {
        codec == .h264 ? sets.sps + sets.pps : sets.vps + sets.sps + sets.pps
    }

    static func parameterSets(_ record: [UInt8], codec: VideoCodec) -> [[UInt8]]? {
        var r = FuzzInput(record)
        var out: [[UInt8]] = []
        func sized() -> [UInt8]? {
            let length = r.uint16()
            let bytes = r.bytes(length)
            return bytes.count == length ? Array(bytes) : nil
        }
        if codec == .h264 {
            guard r.byte() == 1 else { return nil }
            _ = r.bytes(4)
            for _ in 0..<Int(r.byte() & 0x1F) { guard let s = sized() else { return nil }; out.append(s) }
            for _ in 0..<Int(r.byte()) { guard let s = sized() else { return nil }; out.append(s) }
        } else {
            guard r.byte() == 1 else { return nil }
            _ = r.bytes(21)
            for _ in 0..<Int(r.byte()) {
                _ = r.byte()
                for _ in 0..<r.uint16() { guard let s = sized() else { return nil }; out.append(s) }
            }
        }
        return r.isAtEnd ? out : nil
    }
}
