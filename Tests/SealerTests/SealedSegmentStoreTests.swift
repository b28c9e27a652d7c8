import Custody
import EdgeCore
import EdgeSystem
import Sealer
import TestSupport
import Testing

struct Clip: Sendable, CustomTestStringConvertible {
    var fixture: String
    var codec: VideoCodec
    var testDescription: String { codec.rawValue }
    static let all = [Clip(fixture: "clip-320x240-25fps.mjpeg", codec: .mjpeg), Clip(fixture: "clip-320x240-25fps.h264", codec: .h264)]
}

@Suite("Sealed segments as the centre reads them")
struct SealedSegmentStoreTests {
    @Test("no plaintext reaches the ring, not even while a segment is written", arguments: Clip.all)
    func noPlaintextOnDisk(_ clip: Clip) throws {
        let h = try RingHarness(clip.fixture, clip.codec)
        // A Matroska file starts with the EBML magic; a JPEG with SOI and a marker. Three
        // bytes (FF D8 FF) would turn up by chance about once per 16 MiB of ciphertext, so
        // the check looks for four.
        let clear: [[UInt8]] = [[0x1A, 0x45, 0xDF, 0xA3], [0xFF, 0xD8, 0xFF, 0xE0]]
        var partialsSeen = 0
        try h.start()
        try h.feed(130) { _ in
            for name in try FileSystem.list(h.directory) {
                // `.open` is the open segment's note for recovery: times and format, no picture.
                #expect([".mkv.age", ".mkv.age.partial", ".json", ".json.minisig", ".open"].contains { name.hasSuffix($0) }, "\(name)")
                guard name.hasSuffix(".partial") else { continue }
                partialsSeen += 1
                let bytes = try FileSystem.readFile("\(h.directory)/\(name)")
                #expect(bytes.starts(with: Array("age-encryption.org/v1\n".utf8)) || bytes.isEmpty, "\(name)")
                for marker in clear { #expect(bytes.firstRange(of: marker) == nil, "\(name) holds \(marker) in clear") }
            }
        }
        try h.segmenter.close(.shutdown)
        #expect(partialsSeen >= 100)
        let names = try FileSystem.list(h.directory).sorted()
        #expect(!names.contains { $0.hasSuffix(".partial") || $0.hasSuffix(".open") })
        let sealed = names.filter { $0.hasSuffix(".mkv.age") }
        #expect(sealed.count == 3)
        // Every segment has its manifest and signature, and the plaintext does hold the
        // markers searched for above (the search can find them).
        for name in sealed {
            let stem = String(name.dropLast(".mkv.age".count))
            #expect(names.contains("\(stem).json") && names.contains("\(stem).json.minisig"))
            let plaintext = try decrypt("\(h.directory)/\(name)", with: h.identities[1]).plaintext
            #expect(plaintext.starts(with: clear[0]))
            if clip.codec == .mjpeg { #expect(plaintext.firstRange(of: clear[1]) != nil) }
        }
    }

    @Test(
        "each segment decrypts with age for either key and decodes whole with ffmpeg",
        .enabled(if: Tool.available("age") && Tool.available("ffprobe"), "needs the age CLI and ffprobe (apt-get install age ffmpeg)"),
        arguments: Clip.all)
    func decryptsAndDecodes(_ clip: Clip) throws {
        let h = try RingHarness(clip.fixture, clip.codec)
        try h.record(130)
        let segments = try h.segments()
        #expect(segments.compactMap(\.frames).reduce(0, +) == 130)
        #expect(segments.count == 3)
        let keys = try h.keyFiles()
        for segment in segments {
            var plaintexts: [[UInt8]] = []
            for (n, key) in keys.enumerated() {
                let output = "\(h.state)/\(segment.file).\(n).mkv"
                let age = try Tool.run("age", ["-d", "-i", key, "-o", output, "\(h.directory)/\(segment.file)"])
                #expect(age.status == 0, "age -d with key \(n): \(age.stderr)")
                plaintexts.append(try FileSystem.readFile(output, limit: 64 << 20))
                #expect(try Tool.ffmpegErrors(output) == "", "\(segment.file) with key \(n)")
                let probe = try Tool.probe(output)
                #expect(probe.frames == segment.frames, "\(segment.file)")
                #expect((probe.width, probe.height) == (segment.width, segment.height))
            }
            #expect(plaintexts.count == 2 && plaintexts[0] == plaintexts[1])
        }
    }

    @Test(
        "every manifest verifies with minisign and the chain is intact",
        .enabled(if: Tool.available("minisign"), "needs the minisign CLI (apt-get install minisign)"))
    func manifestsVerify() throws {
        let h = try RingHarness("clip-320x240-25fps.mjpeg", .mjpeg)
        try h.record(130)
        let manifests = try h.manifests()
        #expect(manifests.map(\.manifest.sequence) == [1, 2, 3])
        #expect(manifests.map { $0.manifest.previous == nil } == [true, false, false])
        // Version 2 as MANIFEST.md has it: a Matroska codec ID, a reason of the vocabulary.
        let facts = manifests.compactMap { if case .segment(let s) = $0.manifest.body { s } else { nil } }
        #expect(facts.map(\.codec) == ["V_MJPEG", "V_MJPEG", "V_MJPEG"])
        #expect(facts.map(\.reason) == ["cut", "cut", "shutdown"] && facts.allSatisfy { $0.frames != nil })
        do {
            for (file, _) in manifests {
                let result = try Tool.run("minisign", ["-Vm", "\(h.directory)/\(file)", "-P", h.key.publicKey.base64])
                #expect(result.status == 0, "\(file): \(result.stderr)")
            }
        }
        let report = try h.verify()
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.cameras.first?.uncoveredNs == 0)
        #expect(report.findings.isEmpty)
        #expect(report.isCompleteToCheckpoints)
        #expect(report.cameras.map { $0.checkpoint?.sequence } == [3])
        #expect(report.cameras.map(\.manifests) == [3] && report.cameras.map(\.segments) == [3])
    }

    @Test(
        "losing the camera writes a camera-lost gap and the chain stays intact",
        .enabled(if: Tool.available("minisign"), "needs the minisign CLI (apt-get install minisign)"))
    func cameraLossIsAGap() throws {
        let h = try RingHarness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(10))
        try h.start()
        try h.feed(30)
        let lostAt = h.time.monotonicNow()
        try h.segmenter.handle(.interrupted(SourceFailure(.lost, "camera unplugged"), at: lostAt))
        h.time.advance(by: .seconds(3))
        try h.start()
        try h.feed(10)
        try h.segmenter.close(.shutdown)

        let manifests = try h.manifests().map(\.manifest)
        #expect(manifests.map(\.kind) == ["segment", "gap", "segment"])
        #expect(manifests.map(\.sequence) == [1, 2, 3])
        guard case .gap(let gap) = manifests[1].body else {
            Issue.record("manifest 2 is not a gap")
            return
        }
        #expect(gap.cause == .cameraLost)
        #expect(gap.detail == "camera unplugged")
        // The gap runs from the end of the last frame recorded to the first frame after it:
        // the records tile time.
        #expect(manifests[1].start == manifests[0].end && manifests[1].end == manifests[2].start)
        #expect(manifests[0].end.monotonic <= lostAt + .milliseconds(40))
        #expect(manifests[1].durationNs == manifests[2].start.monotonic.nanoseconds - manifests[0].end.monotonic.nanoseconds)
        #expect(try h.segments().map(\.reason) == ["interrupted", "shutdown"])
        do {
            let path = "\(h.directory)/00000002-gap.json"
            #expect(try Tool.run("minisign", ["-Vm", path, "-P", h.key.publicKey.base64]).status == 0)
        }
        let report = try h.verify()
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.cameras.first?.uncoveredNs == 0)
        #expect(report.gaps.map(\.cause) == [.cameraLost])
        #expect(report.gaps.map(\.sequence) == [2])
    }
}
