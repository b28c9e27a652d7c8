import Custody
import DeviceIdentity
import EdgeJSON
import EdgeSystem
import Testing
import TestSupport

/// What the chain shows beyond integrity: evicted files accounted for by the records that
/// name them, time tiled from the first record to the last, the head anchored by a
/// signed checkpoint.
@Suite struct CompletenessTests {
    func segmentFile(_ manifest: SignedManifest) throws -> String {
        guard case .segment(let facts) = try ManifestParser.parse(manifest.json).body else {
            throw CustodyError(.notReserved, "manifest \(manifest.sequence) is a gap")
        }
        return facts.file
    }

    // MARK: Evictions

    @Test func anUploadedThenEvictedSegmentIsANoticeNamingItsDestination() throws {
        let gw = try GatewayFixture()
        let first = try gw.segment()
        try gw.segment()
        try gw.checkpoint()
        let file = try segmentFile(first)
        try FileSystem.remove("\(gw.store)/cam1/\(file)")
        try writeFile("\(gw.store)/cam1/\(file.dropLast(8)).ack-centre", [])
        let report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.findings(.evictedUploaded).map(\.sequence) == [1])
        #expect(report.findings(.evictedUploaded).first?.message.contains("centre") == true)
    }

    @Test func anEvictedUnsentSegmentIsCoveredByTheRecordThatNamesIt() throws {
        let gw = try GatewayFixture()
        let first = try gw.segment()
        let second = try gw.segment()
        try FileSystem.remove("\(gw.store)/cam1/\(try segmentFile(first))")
        // The loss record keeps the evicted segment's own span; it names what it covers.
        let facts = try ManifestParser.parse(first.json)
        let record = GapFacts(
            camera: "cam1", cause: .evictedUnsent, start: facts.start, end: facts.end, detail: "evicted segment 1",
            covers: [1])
        try gw.store(try gw.chain.recordGap(record), camera: "cam1")
        try gw.segment()
        try gw.checkpoint()
        var report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.findings(.evicted).map(\.sequence) == [1])
        #expect(report.cameras.first?.uncoveredNs == 0)

        // A file gone with neither a record nor an acknowledgement is missing.
        try FileSystem.remove("\(gw.store)/cam1/\(try segmentFile(second))")
        report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.missingFile).map(\.sequence) == [2])
    }

    @Test func aVersionTwoLossRecordMustNameWhatItCovers() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        let record = try gw.gap(cause: .evictedUnsent, seconds: 0)
        let error = #expect(throws: ManifestError.self) { try ManifestParser.parse(Self.without("covers", record.json)) }
        #expect(error?.field == "covers")
    }

    // MARK: Time

    @Test func aSpanNoRecordCoversIsATimeHole() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        gw.advance(seconds: 52)  // stopped, nothing recorded, no gap written
        try gw.segment()
        try gw.checkpoint()
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.timeHole).map(\.sequence) == [2])
        #expect(report.cameras.first?.uncoveredNs == 52_000_000_000)
        #expect(report.text.contains("TIME"))
    }

    @Test func aRecorderStoppedGapClosesTheSpan() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        try gw.gap(cause: .recorderStopped, seconds: 52)
        try gw.segment()
        try gw.checkpoint()
        let report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.cameras.first?.uncoveredNs == 0)
        #expect(report.gaps.map(\.cause) == [.recorderStopped])
    }

    @Test func aSpanAcrossABootIsMeasuredOnTheWallClockWhenBothEndsWereSynchronised() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        try gw.restart(boot: "second-boot")
        let stoppedAt = try #require(gw.chain.lastEnd(camera: "cam1"))  // with the first boot's id
        gw.advance(seconds: 40)
        // The gap starts at the last end (first boot) and ends now (second boot): its
        // monotonic readings do not compare, its wall readings do.
        try gw.gap(cause: .recorderStopped, seconds: 0, from: stoppedAt)
        try gw.segment()
        try gw.checkpoint()
        var report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.cameras.first?.uncoveredNs == 0)
        let gap = try #require(try JSONParser.parse(try text("\(gw.store)/cam1/00000002-gap.json").utf8Array)["durationNs"])
        #expect(gap == .null)  // different boots: no monotonic duration
        #expect(report.gaps.first.flatMap { $0.start.distance(to: $0.end) } == .seconds(40))

        // Unsynchronised across the reboot: the span cannot be measured, and says so.
        try gw.restart(boot: "third-boot")
        gw.synced = false
        try gw.segment()
        try gw.checkpoint()
        report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.findings(.unmeasurableSpan).map(\.sequence) == [4])
    }

    // MARK: The head

    @Test func deletingTheNewestManifestsIsTruncationBelowTheCheckpoint() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        try gw.segment()
        let newest = try gw.segment()
        try gw.checkpoint()
        #expect(try gw.verify().isCompleteToCheckpoints)
        try FileSystem.remove(gw.path(newest))
        try FileSystem.remove(gw.path(newest) + ".minisig")
        try FileSystem.remove("\(gw.store)/cam1/\(try segmentFile(newest))")
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.truncatedBelowCheckpoint).map(\.sequence) == [3])
    }

    @Test func deletingAWholeCameraIsReportedByItsCheckpoint() throws {
        let gw = try GatewayFixture()
        try gw.segment(camera: "cam1")
        try gw.segment(camera: "cam2")
        try gw.checkpoint(camera: "cam1")
        try gw.checkpoint(camera: "cam2")
        try Tool.run("rm", ["-rf", "\(gw.store)/cam2"])
        let report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.cameras.map(\.camera) == ["cam1", "cam2"])
        #expect(report.findings(.truncatedBelowCheckpoint).map(\.camera) == ["cam2"])
    }

    @Test func aCheckpointSignedByAnotherKeyOrEditedIsBad() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        let signed = try #require(try gw.checkpoint())
        let path = "\(gw.store)/.checkpoints/cam1.json"
        // Edited: a sequence further on.
        let edited = String(decoding: signed.json, as: UTF8.self).replacingFirst("\"sequence\":1", with: "\"sequence\":9")
        try writeFile(path, Array(edited.utf8))
        var report = try gw.verify()
        #expect(!report.isIntact)
        #expect(report.findings(.badCheckpoint).count == 1)
        // Signed by another key.
        let other = try DeviceKey.loadOrCreate(stateDirectory: try Fixtures.scratchDirectory("other-key"))
        try writeFile(path, signed.json)
        try writeFile(path + ".minisig", Array(try other.sign(signed.json, trustedComment: "x").fileText.utf8))
        report = try gw.verify()
        #expect(report.findings(.badCheckpoint).count == 1)
        #expect(!report.isCompleteToCheckpoints)
    }

    /// Found with Fuzz/fuzz-manifest (regressions/checkpoint-naming-sequence-2-63-1): the
    /// sequences up to the checkpoint's were listed one by one, so a signed head numbered
    /// 2⁶³−1 kept the verifier busy for ever. They are counted instead.
    @Test(.timeLimit(.minutes(1))) func aCheckpointFarAheadIsCountedNotListed() throws {
        let gw = try GatewayFixture()
        let first = try gw.segment()
        var far = try ManifestParser.parse(first.json)
        far.sequence = UInt64(Int64.max)
        far.previous = sha256(first.json)
        let json = far.canonicalJSON
        let comment = Manifest.trustedComment(gateway: far.gateway, camera: "cam1", sequence: far.sequence, sha256: sha256(json))
        try writeFile("\(gw.store)/cam1/far.json", json)
        try writeFile("\(gw.store)/cam1/far.json.minisig", Array(try gw.key.sign(json, trustedComment: comment).fileText.utf8))
        let head = Checkpoint(gateway: far.gateway, camera: "cam1", sequence: far.sequence, sha256: sha256(json), at: far.end)
        let headComment = Checkpoint.trustedComment(
            gateway: far.gateway, camera: "cam1", sequence: far.sequence, sha256: sha256(head.canonicalJSON))
        try FileSystem.makeDirectories("\(gw.store)/.checkpoints")
        try writeFile("\(gw.store)/.checkpoints/cam1.json", head.canonicalJSON)
        try writeFile(
            "\(gw.store)/.checkpoints/cam1.json.minisig", Array(try gw.key.sign(head.canonicalJSON, trustedComment: headComment).fileText.utf8))
        let report = try gw.verify()
        let finding = try #require(report.findings(.truncatedBelowCheckpoint).first)
        #expect(finding.sequence == UInt64(Int64.max))  // named by the checkpoint's sequence
        #expect(finding.message.hasPrefix("9223372036854775805 sequence(s) up to the checkpoint's 9223372036854775807 are absent, first 2"))
    }

    @Test func anOlderCheckpointStillAnchorsWhatItNames() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        try gw.checkpoint()
        try gw.segment()
        let report = try gw.verify()
        #expect(report.isCompleteToCheckpoints)
        #expect(report.cameras.first?.checkpoint?.sequence == 1)
        #expect(report.text.contains("complete up to checkpoint 1"))
    }

    @Test func checkpointsAreReadStrictly() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        let signed = try #require(try gw.checkpoint())
        #expect(try Checkpoint.parse(signed.json) == signed.checkpoint)
        let text = String(decoding: signed.json, as: UTF8.self)
        for bad in [
            "", "[]", text.replacingFirst("\"version\":1", with: "\"version\":2"),
            text.replacingFirst("\"sequence\":1", with: "\"sequence\":0"),
            text.replacingFirst("\"sequence\":1", with: "\"sequence\":01"),
            text.replacingFirst("\"camera\":\"cam1\"", with: "\"camera\":\"../x\""),
            text.replacingFirst("{", with: "{\"extra\":1,"), text + " ",
        ] {
            #expect(throws: ManifestError.self, "\(bad)") { try Checkpoint.parse(Array(bad.utf8)) }
        }
    }

    // MARK: Signatures

    @Test(.enabled(if: Tool.available("minisign"), "needs the minisign CLI (apt-get install minisign)"))
    func aLegacyEdSignatureIsRefused() throws {
        let gw = try GatewayFixture()
        let manifest = try gw.segment()
        let dir = try Fixtures.scratchDirectory("legacy")
        let key = try Tool.run("minisign", ["-G", "-W", "-p", "\(dir)/k.pub", "-s", "\(dir)/k.sec"])
        try #require(key.status == 0, "\(key.stderr)")
        let comment = Manifest.trustedComment(
            gateway: GatewayFixture.gateway, camera: "cam1", sequence: 1, sha256: manifest.sha256)
        let path = gw.path(manifest)
        try FileSystem.remove(path + ".minisig")
        let signed = try Tool.run("minisign", ["-S", "-l", "-s", "\(dir)/k.sec", "-m", path, "-t", comment])
        try #require(signed.status == 0, "\(signed.stderr)")
        let publicKey = try MinisignPublicKey(parsing: try text("\(dir)/k.pub"))
        let report = try ChainVerifier(publicKey: publicKey).verify(directory: gw.store)
        #expect(!report.isIntact)
        #expect(report.findings(.badSignature).first?.message.contains("legacy Ed") == true)
    }

    static func without(_ key: String, _ json: [UInt8]) -> [UInt8] {
        guard case .object(let members)? = try? JSONParser.parse(json) else { return json }
        return CanonicalJSON.encode(.object(members.filter { $0.key != key }))
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        replacing(target, with: replacement, maxReplacements: 1)
    }

    fileprivate var utf8Array: [UInt8] { Array(utf8) }
}
