import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Testing

@testable import Release

/// The manifest parser on bytes that are well signed but malformed: each is refused with
/// the field named, nothing traps.
@Suite struct ReleaseManifestTests {
    static let created = WallTime(rfc3339: "2026-12-01T00:00:00.000000000Z")!
    static let good = ReleaseManifest(
        version: "1.2.0", securityVersion: 5, board: "qemu-x86_64", created: created,
        expires: created + .seconds(86400), stateFormats: [1],
        files: [.init(path: "bin/edge-recorderd", size: 10, sha256: [UInt8](repeating: 0xab, count: 32), executable: true)])

    static var goodText: String { String(decoding: good.canonicalBytes, as: UTF8.self) }

    @Test func theCanonicalBytesParseBackToTheSameManifest() throws {
        #expect(try ReleaseManifestParser.parse(Self.good.canonicalBytes) == Self.good)
    }

    static let malformed: [(change: @Sendable (String) -> String, field: String)] = [
        ({ $0.replacingOccurrences(",", ", ") }, "(document)"),  // not canonical
        ({ $0.replacingOccurrences(#""board":"qemu-x86_64","#, "") }, "board"),
        ({ $0.replacingOccurrences(#"{"board""#, #"{"extra":1,"board""#) }, "extra"),
        ({ $0.replacingOccurrences(#""format":1"#, #""format":2"#) }, "format"),
        ({ $0.replacingOccurrences(#""kind":"edge-recorder-release""#, #""kind":"other""#) }, "kind"),
        ({ $0.replacingOccurrences(#""version":"1.2.0""#, #""version":"v1 2""#) }, "version"),
        ({ $0.replacingOccurrences(#""securityVersion":5"#, #""securityVersion":18446744073709551616"#) }, "securityVersion"),
        ({ $0.replacingOccurrences(#""securityVersion":5"#, #""securityVersion":-1"#) }, "securityVersion"),
        ({ $0.replacingOccurrences(#""securityVersion":5"#, #""securityVersion":9007199254740993"#) }, "securityVersion"),
        ({ $0.replacingOccurrences(#""board":"qemu-x86_64""#, #""board":"../x""#) }, "board"),
        ({ $0.replacingOccurrences("2026-12-02T00", "2026-11-30T00") }, "expires"),
        ({ $0.replacingOccurrences("2026-12-02T00:00:00.000000000Z", "4052-01-01T00:00:00.000000000Z") }, "expires"),
        ({ $0.replacingOccurrences(#""stateFormats":[1]"#, #""stateFormats":[]"#) }, "stateFormats"),
        ({ $0.replacingOccurrences(#""stateFormats":[1]"#, #""stateFormats":[0]"#) }, "stateFormats"),
        ({ $0.replacingOccurrences(#""nextReleaseKey":null"#, #""nextReleaseKey":"RWQ""#) }, "nextReleaseKey"),
        ({ $0.replacingOccurrences(#""files":[{"#, #""files":[{"mode":1,"#) }, "files[0].mode"),
        ({ $0.replacingOccurrences("bin/edge-recorderd", "../edge-recorderd") }, "files[0].path"),
        ({ $0.replacingOccurrences("bin/edge-recorderd", "release.json") }, "files[0].path"),
        ({ $0.replacingOccurrences(#""size":10"#, #""size":4611686018427387904"#) }, "files[0].size"),
        ({ $0.replacingOccurrences(#""size":10"#, #""size":-10"#) }, "files[0].size"),
        ({ $0.replacingOccurrences(#""size":10"#, #""size":1e3"#) }, "files[0].size"),
        ({ $0.replacingOccurrences(String(repeating: "ab", count: 32), String(repeating: "ab", count: 31)) }, "files[0].sha256"),
        ({ $0.replacingOccurrences(#""executable":true"#, #""executable":1"#) }, "files[0].executable"),
        ({ $0.replacingOccurrences(#""files":["#, #""files":[]"#).replacingOccurrences("]}", "}") }, "(document)"),
        ({ _ in "[]" }, "(document)"),
        ({ _ in "" }, "(document)"),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedManifestsAreRefusedNamingTheField(_ n: Int) {
        let text = Self.malformed[n].change(Self.goodText)
        do {
            _ = try ReleaseManifestParser.parse(Array(text.utf8))
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.code == .malformedManifest)
            #expect(error.message.hasPrefix("release.json: \(Self.malformed[n].field):"), "\(text) → \(error.message)")
        }
    }

    @Test func aPathNamedTwiceIsRefused() {
        var m = Self.good
        m.files.append(m.files[0])
        #expect(throws: ReleaseError(.malformedManifest, "release.json: files[1].path: named twice")) {
            try ReleaseManifestParser.parse(m.canonicalBytes)
        }
    }

    @Test func filesWhoseSizesAddUpPastTheLimitAreRefusedWithoutOverflow() {
        var m = Self.good
        m.files = (0..<4).map {
            .init(path: "bin/f\($0)", size: ReleaseManifest.maxReleaseBytes, sha256: [UInt8](repeating: 0, count: 32), executable: false)
        }
        #expect(throws: ReleaseError.self) { try ReleaseManifestParser.parse(m.canonicalBytes) }
        #expect(m.archiveSize(manifestBytes: 100, signatureBytes: 100) == nil)
    }

    @Test func tooManyFilesAreRefused() {
        var m = Self.good
        m.files = (0...ReleaseManifest.maxFiles).map {
            .init(path: "bin/f\($0)", size: 1, sha256: [UInt8](repeating: 0, count: 32), executable: false)
        }
        #expect(throws: ReleaseError.self) { try ReleaseManifestParser.parse(m.canonicalBytes) }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = "", rest = Substring(self)
        while let range = rest.range(of: a) {
            out += rest[..<range.lowerBound] + b
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
