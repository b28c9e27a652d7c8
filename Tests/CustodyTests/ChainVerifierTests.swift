import Custody
import DeviceIdentity
import EdgeSystem
import Testing
import TestSupport

@Suite struct ChainVerifierTests {
    /// Cameras cam1 (segments 1–2, gap 3, segments 4–6) and cam2 (segment 1).
    static func recorded() throws -> (GatewayFixture, [SignedManifest]) {
        let gw = try GatewayFixture()
        var cam1 = [try gw.segment(), try gw.segment(), try gw.gap(cause: .cameraLost, seconds: 45)]
        cam1 += [try gw.segment(), try gw.segment(), try gw.segment()]
        try gw.segment(camera: "cam2")
        try gw.checkpoint(camera: "cam1")
        try gw.checkpoint(camera: "cam2")
        return (gw, cam1)
    }

    func segmentPath(_ gw: GatewayFixture, _ manifest: SignedManifest) throws -> String {
        guard case .segment(let facts) = try ManifestParser.parse(manifest.json).body else { throw CustodyError(.notReserved, "a gap") }
        return "\(gw.store)/cam1/\(facts.file)"
    }

    @Test func anIntactChainPassesWithItsGap() throws {
        let (gw, _) = try Self.recorded()
        let report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.findings.isEmpty)
        #expect(report.isCompleteToCheckpoints)
        #expect(report.cameras.map { $0.checkpoint?.sequence } == [6, 1])
        #expect(report.cameras.map(\.camera) == ["cam1", "cam2"])
        #expect(report.cameras[0].manifests == 6 && report.cameras[0].segments == 5 && report.cameras[0].lastSequence == 6)
        #expect(report.gaps.count == 1)
        #expect(report.gaps.first?.cause == .cameraLost && report.gaps.first?.sequence == 3)
        #expect(report.gaps.first.map { $0.end.monotonic - $0.start.monotonic } == .seconds(45))
        #expect(report.text.hasPrefix("chain of custody: INTACT, complete up to each camera's checkpoint\n"))
        #expect(report.text.contains("gap       3 camera-lost"))
    }

    @Test func aManifestUnderAnotherNameIsMisnamed() throws {
        let (gw, cam1) = try Self.recorded()
        // Exchange the names of two manifests (with their signatures): each file's name
        // must be the one its content gives it.
        let a = gw.path(cam1[0]), b = gw.path(cam1[4])
        try FileSystem.rename(a, to: "\(a).x")
        try FileSystem.rename(b, to: a)
        try FileSystem.rename("\(a).x", to: b)
        try FileSystem.rename("\(a).minisig", to: "\(a).x")
        try FileSystem.rename("\(b).minisig", to: "\(a).minisig")
        try FileSystem.rename("\(a).x", to: "\(b).minisig")
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(Set(report.findings(.misnamedManifest).compactMap(\.sequence)) == [1, 5])
    }

    @Test func aDeletedSegmentIsAMissingSequenceAndABrokenChain() throws {
        let (gw, cam1) = try Self.recorded()
        try FileSystem.remove(try segmentPath(gw, cam1[3]))
        try FileSystem.remove(gw.path(cam1[3]))
        try FileSystem.remove(gw.path(cam1[3]) + ".minisig")
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.missingSequence).map(\.sequence) == [4])
        #expect(report.findings(.chainBroken).map(\.sequence) == [5])
        #expect(report.text.contains("sequence 4 missing"))
    }

    @Test func swappedSegmentFilesAreMismatches() throws {
        let (gw, cam1) = try Self.recorded()
        let a = try segmentPath(gw, cam1[0]), b = try segmentPath(gw, cam1[1])
        try FileSystem.rename(a, to: "\(a).x")
        try FileSystem.rename(b, to: a)
        try FileSystem.rename("\(a).x", to: b)
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.ciphertextMismatch).map(\.sequence) == [1, 2])
    }

    @Test func swappedSequenceNumbersBreakSignaturesAndChain() throws {
        let (gw, cam1) = try Self.recorded()
        for (manifest, other) in [(cam1[3], cam1[4]), (cam1[4], cam1[3])] {
            let edited = try text(gw.path(manifest)).replacing(
                "\"sequence\":\(manifest.sequence)", with: "\"sequence\":\(other.sequence)")
            try writeFile(gw.path(manifest), Array(edited.utf8))
        }
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(Set(report.findings(.badSignature).compactMap(\.sequence)) == [4, 5])
        #expect(!report.findings(.chainBroken).isEmpty)
    }

    @Test func aManifestSignedByAnotherKeyIsABadSignature() throws {
        let (gw, cam1) = try Self.recorded()
        let other = try DeviceKey.loadOrCreate(stateDirectory: "\(gw.root)/other")
        let comment = Manifest.trustedComment(gateway: GatewayFixture.gateway, camera: "cam1", sequence: 2, sha256: cam1[1].sha256)
        try writeFile(gw.path(cam1[1]) + ".minisig", Array(try other.sign(cam1[1].json, trustedComment: comment).fileText.utf8))
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.badSignature).map(\.sequence) == [2])
        #expect(report.findings(.badSignature).first?.message.contains("another key") == true)
        #expect(report.findings(.chainBroken).isEmpty)
    }

    @Test func anEditedManifestFailsItsSignatureAndBreaksTheChain() throws {
        let (gw, cam1) = try Self.recorded()
        let edited = try text(gw.path(cam1[1])).replacing("\"frames\":250", with: "\"frames\":249")
        try writeFile(gw.path(cam1[1]), Array(edited.utf8))
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.badSignature).map(\.sequence) == [2])
        #expect(report.findings(.chainBroken).map(\.sequence) == [3])
        #expect(try Tool.run("minisign", ["-V", "-q", "-m", gw.path(cam1[1]), "-P", gw.key.publicKey.base64]).status != 0)
    }

    @Test func aChangedCiphertextByteIsAHashMismatch() throws {
        let (gw, cam1) = try Self.recorded()
        let path = try segmentPath(gw, cam1[5])
        var bytes = try FileSystem.readFile(path)
        bytes[bytes.count / 2] ^= 0x01
        try writeFile(path, bytes)
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.ciphertextMismatch).map(\.sequence) == [6])
        #expect(report.findings(.ciphertextMismatch).first?.message.contains("SHA-256") == true)
    }

    @Test func missingFilesAndSignaturesAreReported() throws {
        let (gw, cam1) = try Self.recorded()
        try FileSystem.remove(try segmentPath(gw, cam1[0]))
        try FileSystem.remove(gw.path(cam1[1]) + ".minisig")
        let report = try gw.verify()
        #expect(report.findings(.missingFile).map(\.sequence) == [1])
        #expect(report.findings(.missingSignature).map(\.sequence) == [2])
        #expect(!report.isIntact)
    }

    @Test func aDuplicateSequenceIsABreak() throws {
        let (gw, cam1) = try Self.recorded()
        try writeFile("\(gw.path(cam1[2])).copy.json", cam1[2].json)
        let report = try gw.verify()
        #expect(report.findings(.duplicateSequence).map(\.sequence) == [3])
        #expect(!report.isIntact)
    }

    @Test func truncatedSegmentsAreReportedNotBreaks() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        try gw.segment(truncated: true)
        let report = try gw.verify()
        #expect(report.isIntact)
        #expect(report.findings(.truncated).map(\.sequence) == [2])
        #expect(report.text.contains("truncated"))
    }

    @Test func theReportFitsEightyColumnsAndRendersAsJSON() throws {
        let (gw, cam1) = try Self.recorded()
        try FileSystem.remove(gw.path(cam1[3]))
        try writeFile(gw.path(cam1[0]), Array("{\"version\":1,\"kind\":\"segment\",\"an-unexpectedly-long-field-name-that-goes-on-and-on-and-on-and-on-for-ever\":1}".utf8))
        let report = try gw.verify()
        #expect(report.text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(report.text)")
        #expect(report.text.contains("NOT INTACT"))
        let json = report.jsonText
        #expect(json.contains("\"intact\": false"))
        #expect(json.contains("\"kind\": \"malformed-manifest\""))
    }

    @Test func anEmptyStoreIsNotIntact() throws {
        let gw = try GatewayFixture()
        try FileSystem.makeDirectories(gw.store)
        #expect(try !gw.verify().isIntact)
    }
}
