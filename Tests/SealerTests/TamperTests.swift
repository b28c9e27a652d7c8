import Custody
import EdgeSystem
import Sealer
import TestSupport
import Testing

/// One changed byte somewhere in the ring, and what the verifier must call it.
enum Tamper: String, CaseIterable, Sendable {
    case segment, manifest, signature

    var expected: ChainReport.Finding.Kind {
        switch self {
        case .segment: .ciphertextMismatch
        case .manifest, .signature: .badSignature
        }
    }

    /// Changes one byte of the second segment's files in `h`'s ring.
    func apply(to h: RingHarness) throws {
        let (file, _) = try h.manifests()[1]
        let stem = "\(h.directory)/\(file.dropLast(".json".count))"
        switch self {
        case .segment:
            try change("\(stem).mkv.age") { $0[$0.count / 2] ^= 0x01 }
        case .manifest:
            // What a forger would do: one digit, so the manifest still parses and stays canonical.
            try change("\(stem).json") { bytes in
                let at = bytes.firstRange(of: Array(#""frames":5"#.utf8))!.upperBound - 1
                bytes[at] = UInt8(ascii: "4")
            }
        case .signature:
            // A character in the middle of the base64 signature line (the second line).
            try change("\(stem).json.minisig") { bytes in
                let line = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1
                bytes[line + 40] = bytes[line + 40] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            }
        }
    }

    private func change(_ path: String, _ edit: (inout [UInt8]) -> Void) throws {
        var bytes = try FileSystem.readFile(path, limit: 64 << 20)
        let before = bytes
        edit(&bytes)
        #expect(bytes != before && bytes.count == before.count)
        try Fixtures.write(bytes, to: path)
    }
}

@Suite("Tampering is detected")
struct TamperTests {
    @Test(
        "one changed byte breaks the chain, with the right finding",
        .enabled(if: Tool.available("age") && Tool.available("minisign"), "needs the age and minisign CLIs"),
        arguments: Tamper.allCases)
    func changedByteIsFound(_ tamper: Tamper) throws {
        let h = try RingHarness("clip-320x240-25fps.mjpeg", .mjpeg)
        try h.record(130)
        #expect(try h.verify().isIntact)
        try tamper.apply(to: h)
        let report = try h.verify()
        #expect(!report.isIntact)
        let found = report.findings(tamper.expected)
        #expect(found.map(\.sequence) == [2], "\(report.findings)")
        // Only the changed manifest is bad; a changed manifest also no longer has the hash
        // its successor names.
        let others = report.findings.filter { $0.kind.isFailure && $0.kind != tamper.expected }
        #expect(others.map(\.kind) == (tamper == .manifest ? [.chainBroken] : []), "\(report.findings)")
        if tamper == .segment {
            let segment = "\(h.directory)/\(try h.segments()[1].file)"
            let age = try Tool.run("age", ["-d", "-i", try h.keyFiles()[0], "-o", "\(h.state)/tampered.mkv", segment])
            #expect(age.status != 0)
        }
        if tamper != .segment {
            let manifest = "\(h.directory)/\(try h.manifests()[1].file)"
            #expect(try Tool.run("minisign", ["-Vm", manifest, "-P", h.key.publicKey.base64]).status != 0)
        }
    }
}
