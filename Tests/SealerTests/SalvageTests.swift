import EdgeSystem
import Foundation
import Sealer
import TestSupport
import Testing

/// The `edge-centre` binary built beside the test bundle
/// (`swift build --scratch-path .build-ring --product edge-centre`).
let edgeCentre: String = {
    let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("edge-centre").path
}()

/// A finished segment of 250 MJPEG frames (about a dozen age chunks), and a copy cut in
/// the middle of its fourth chunk, as a power cut during a copy would leave it.
struct CutSegment {
    let h: RingHarness
    let whole: String
    let cut: String
    static let wholeChunks = 3

    init() throws {
        h = try RingHarness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(10))
        try h.record(250)
        whole = "\(h.directory)/\(try #require(try h.segments().first).file)"
        cut = "\(h.state)/cut.mkv.age"
        let bytes = try FileSystem.readFile(whole, limit: 64 << 20)
        let payload = try #require(AgeFile.payloadOffset(bytes))
        let length = payload + Self.wholeChunks * AgeFile.sealedChunkSize + AgeFile.sealedChunkSize / 2
        try #require(bytes.count > length + AgeFile.sealedChunkSize)
        try Fixtures.write(Array(bytes.prefix(length)), to: cut)
    }

    /// Checks that `salvaged` (Matroska) holds exactly the frames wholly inside it, decoded
    /// as the whole segment decodes them.
    func expectDecodes(_ salvaged: String) throws {
        let plaintext = "\(h.state)/whole.mkv"
        try Fixtures.write(try decrypt(whole, with: h.identities[0]).plaintext, to: plaintext)
        let size = try FileSystem.size(salvaged)
        let packets = try Tool.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos,size", "-of", "csv=p=0", plaintext])
        let complete = packets.stdout.split(separator: "\n").filter { line in
            let f = line.split(separator: ",").compactMap { Int64($0) }
            return f.count == 2 && f[0] + f[1] <= size
        }.count
        #expect(complete > 20)
        #expect(try Tool.probe(salvaged).frames == complete)
        let hashes = { (file: String) in
            try Tool.run("ffmpeg", ["-nostdin", "-v", "error", "-i", file, "-f", "framemd5", "-"]).stdout
                .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").last! }
        }
        #expect(try hashes(salvaged) == Array(try hashes(plaintext).prefix(complete)))
    }
}

@Suite("A truncated segment is salvaged to its last whole chunk")
struct SalvageTests {
    static let salvagedBytes = Int64(CutSegment.wholeChunks * AgeFile.chunkSize)

    @Test("AgeReader keeps the authenticated chunks, and they play", .enabled(if: Tool.available("ffprobe"), "needs ffprobe (apt-get install ffmpeg)"))
    func readerSalvages() throws {
        let s = try CutSegment()
        #expect(throws: (any Error).self) { try decrypt(s.cut, with: s.h.identities[0]) }
        let (plaintext, result) = try decrypt(s.cut, with: s.h.identities[1], salvage: true)
        #expect(!result.isComplete)
        #expect(result.authenticatedChunks == CutSegment.wholeChunks)
        #expect(result.plaintextBytes == Self.salvagedBytes && plaintext.count == Int(Self.salvagedBytes))
        let salvaged = "\(s.h.state)/reader.mkv"
        try Fixtures.write(plaintext, to: salvaged)
        try s.expectDecodes(salvaged)
    }

    @Test(
        "edge-centre decrypt --salvage writes the authenticated chunks and exits 2",
        .enabled(if: Tool.available("ffprobe"), "needs ffprobe (apt-get install ffmpeg)"))
    func edgeCentreSalvages() throws {
        guard FileSystem.exists(edgeCentre) else {
            try Test.cancel("no edge-centre at \(edgeCentre): build it with `swift build --scratch-path .build-ring --product edge-centre`")
        }
        let s = try CutSegment()
        let key = try s.h.keyFiles()[1]
        let salvaged = "\(s.h.state)/centre.mkv"
        let refused = try Tool.run(edgeCentre, ["decrypt", "-i", key, s.cut, "-o", salvaged])
        #expect(refused.status == 1 && refused.stderr.contains("--salvage"), "\(refused.stderr)")
        let result = try Tool.run(edgeCentre, ["decrypt", "-i", key, "--salvage", s.cut, "-o", salvaged])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.contains("partial: \(Self.salvagedBytes) bytes of authenticated plaintext"))
        #expect(try FileSystem.size(salvaged) == Self.salvagedBytes)
        try s.expectDecodes(salvaged)
    }
}
