import Bitstream
import EdgeCore
import TestSupport
import Testing

/// Streams come from cameras and files, which can be damaged: every entry point must
/// answer damaged bytes with a value or a `BitstreamError`, never a trap.
@Suite struct MalformedStreamTests {
    /// The outcome of reading one damaged parameter set.
    enum Outcome: Equatable { case size(FrameSize), error }

    func pictureSize(_ sps: [UInt8], _ codec: VideoCodec) -> Outcome {
        do throws(BitstreamError) {
            let size = codec == .h264 ? try H264.pictureSize(sps: sps[...]) : try H265.pictureSize(sps: sps[...])
            return .size(size)
        } catch {
            return .error
        }
    }

    @Test(arguments: [("clip-320x240-25fps.h264", VideoCodec.h264), ("clip-320x240-25fps.h265", .h265)])
    func damagedParameterSetsGiveErrorsOrSanePictures(_ name: String, _ codec: VideoCodec) throws {
        let clip = try Clip(name, codec)
        let sets = [codec == .h265 ? H265.vps : 0, codec == .h264 ? H264.sps : H265.sps, codec == .h264 ? H264.pps : H265.pps]
            .map { clip.first($0) }
        var random = SeededGenerator(seed: codec == .h264 ? 264 : 265)
        var sizes = 0, errors = 0
        for n in 0..<10_000 {
            let sps = n % 4 == 0 ? random.bytes(Int.random(in: 0...40, using: &random)) : random.mutate(sets[1])
            switch pictureSize(sps, codec) {
            case .size(let size):
                sizes += 1
                #expect((1...16384).contains(size.width) && (1...16384).contains(size.height), "\(sps)")
            case .error: errors += 1
            }
            var damaged = ParameterSets()
            damaged.collect(([sets[0], sps, sets[2]]).filter { !$0.isEmpty }.map { $0[...] }, codec: codec)
            _ = try? damaged.decoderConfiguration(codec: codec)
        }
        #expect(sizes > 100 && errors > 1000, "sizes \(sizes), errors \(errors)")
    }

    @Test(arguments: [VideoCodec.h264, .h265])
    func randomBytesSplitWithoutTrapping(_ codec: VideoCodec) {
        var random = SeededGenerator(seed: 0xB175)
        var pictures = 0
        for _ in 0..<2_000 {
            let bytes = random.bytes(Int.random(in: 0...200, using: &random), from: [0, 0, 0, 1, 3, 0x65, 0x41, 0x26, 0x02, 0x80, 0xFF])
            let units = AnnexB.nalUnits(bytes)
            #expect(units.allSatisfy { !$0.isEmpty && $0.last != 0 })
            var splitter = AccessUnitSplitter(codec: codec)
            var found = units.compactMap { splitter.push($0) }
            if let last = splitter.flush() { found.append(last) }
            pictures += found.count
            #expect(found.allSatisfy { unit in unit.nalUnits.contains { codec == .h264 ? H264.isVCL(H264.type($0)) : H265.isVCL(H265.type($0)) } })
            var sets = ParameterSets()
            sets.collect(units, codec: codec)
            _ = try? sets.decoderConfiguration(codec: codec)
            _ = try? sets.pictureSize(codec: codec)
            _ = units.map { AnnexB.rbsp($0) }
        }
        #expect(pictures > 400, "\(pictures) pictures")
    }
}
