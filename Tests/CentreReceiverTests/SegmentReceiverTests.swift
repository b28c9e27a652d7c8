import CentreReceiver
import Custody
import DeviceIdentity
import EdgeSystem
import Foundation
import Testing
import TestSupport

/// The upload protocol (Sources/Uplink/PROTOCOL.md) case by case, in process, on a real
/// filesystem store with manifests the real chain signed.
@Suite struct SegmentReceiverTests {
    @Test func storesOnceThenAcknowledgesDuplicates() async throws {
        let f = try UploadFixture()
        let s = try f.segment()
        let first = await f.put(s)
        #expect(first.status == 200)
        #expect(first.bodyText.contains(#""status":"stored""#))
        let folder = "\(f.store)/site-042/cam1"
        let stem = String(s.manifest.fileName.dropLast(5))
        #expect(try FileSystem.readFile("\(folder)/\(stem).mkv.age") == s.ciphertext)
        #expect(try FileSystem.readFile("\(folder)/\(s.manifest.fileName)") == s.manifest.json)
        #expect(FileSystem.exists("\(folder)/\(s.manifest.fileName).minisig"))
        #expect(try FileSystem.list("\(folder)/.incoming").isEmpty)

        let again = await f.put(s)
        #expect(again.status == 200)
        #expect(again.bodyText.contains(#""status":"duplicate""#))
        let head = await f.receiver.head(f.key(s))
        #expect(head.status == 200 && head.complete && head.offset == Int64(s.ciphertext.count))
        let m = f.receiver.metrics.snapshot
        #expect(m.segmentsStored == 1 && m.duplicates == 1 && m.bytesStored == Int64(s.ciphertext.count))
        #expect(f.events.all.contains { $0.hasPrefix("event=stored kind=segment gateway=site-042 camera=cam1 sequence=\(s.manifest.sequence) ") })
    }

    @Test func sameSequenceDifferentManifestIsAConflict() async throws {
        let f = try UploadFixture()
        let mine = try f.segment()
        let other = try f.segment(in: try f.forkedChain())
        #expect(mine.manifest.sequence == other.manifest.sequence)
        #expect(await f.put(mine).status == 200)
        let reply = await f.put(other)
        #expect(reply.status == 409)
        #expect(reply.bodyText.contains("evidence conflict"))
        #expect(f.receiver.metrics.snapshot.conflicts == 1)
        #expect(f.events.all.contains { $0.hasPrefix("event=conflict") })
        // The stored evidence is untouched.
        #expect(try FileSystem.readFile("\(f.store)/site-042/cam1/\(mine.manifest.fileName)") == mine.manifest.json)
    }

    @Test func manifestNamingAnotherGatewayIsForbidden() async throws {
        let f = try UploadFixture()
        // site-043 is registered too, but its certificate cannot deliver site-042's footage.
        let other = try DeviceKey.loadOrCreate(stateDirectory: "\(f.root)/other")
        try Fixtures.write(Array(other.publicKey.fileText.utf8), to: "\(f.gateways)/site-043.pub")
        let s = try f.segment()
        // Sent as is, site-042's signature fails against site-043's key.
        let reply = await f.put(s, gateway: "site-043")
        #expect(reply.status == 403)
        #expect(f.receiver.metrics.snapshot.rejected["bad-signature"] == 1)
        // Signed again by site-043 itself, it still names site-042: refused for that.
        var resigned = s
        let comment = Manifest.trustedComment(
            gateway: "site-043", camera: s.camera, sequence: s.manifest.sequence, sha256: SHA256Test.hash(s.manifest.json))
        resigned.manifest.signature = try other.sign(s.manifest.json, trustedComment: comment).fileText
        let wrong = await f.put(resigned, gateway: "site-043")
        #expect(wrong.status == 403)
        #expect(wrong.bodyText.contains("names gateway site-042"))
        #expect(f.receiver.metrics.snapshot.rejected["wrong-gateway"] == 1)
        #expect(!FileSystem.exists("\(f.store)/site-043/cam1/\(s.manifest.fileName)"))
        // An unregistered gateway is refused the same way.
        #expect(await f.put(s, gateway: "site-099").status == 403)
    }

    @Test func badSignaturesAreForbidden() async throws {
        let f = try UploadFixture()
        let s = try f.segment()
        // The manifest altered after signing (still canonical): the signature fails.
        var altered = s
        altered.manifest.json = Array(String(decoding: s.manifest.json, as: UTF8.self)
            .replacingOccurrences(of: #""frames":250"#, with: #""frames":251"#).utf8)
        #expect(altered.manifest.json != s.manifest.json)
        let reply = await f.put(altered)
        #expect(reply.status == 403)
        // Signed by another key than the one registered for the gateway.
        let stranger = try DeviceKey.loadOrCreate(stateDirectory: "\(f.root)/stranger")
        try Fixtures.write(Array(stranger.publicKey.fileText.utf8), to: "\(f.gateways)/site-042.pub")
        #expect(await f.put(s).status == 403)
        #expect(f.receiver.metrics.snapshot.rejected["bad-signature"] == 2)
        #expect(await f.receiver.head(f.key(s)).status == 404)
    }

    @Test func resumesFromTheDurableOffset() async throws {
        let f = try UploadFixture()
        let s = try f.segment(size: 600_000)
        let key = f.key(s)
        #expect(await f.receiver.head(key) == Reply(status: 404, offset: 0))

        // A connection cut after 300 000 bytes: what arrived is kept, durably.
        let cut = await f.receiver.putSegment(key, headers: f.headers(s), body: Chunks(s.ciphertext, failAfter: 300_000))
        #expect(cut.status == 500)
        #expect(await f.receiver.head(key) == Reply(status: 200, offset: 300_000))

        // Resuming from the wrong place: 416 with the offset to use.
        let wrong = await f.put(s, offset: 0)
        #expect(wrong.status == 416 && wrong.offset == 300_000)

        // Sent in parts: 308 and the new offset until the last part.
        let part = await f.receiver.putSegment(
            key, headers: f.headers(s, offset: 300_000, length: 100_000), body: Chunks(Array(s.ciphertext[300_000..<400_000])))
        #expect(part.status == 308 && part.offset == 400_000)
        let done = await f.put(s, offset: 400_000)
        #expect(done.status == 200)
        #expect(try FileSystem.readFile("\(f.store)/site-042/cam1/\(s.manifest.fileName.dropLast(5)).mkv.age") == s.ciphertext)
        #expect(await f.receiver.head(key) == Reply(status: 200, offset: 600_000, complete: true))
        #expect(f.receiver.metrics.snapshot.bytesReceived == 600_000)
    }

    @Test func wrongBytesAreDiscardedNotStored() async throws {
        let f = try UploadFixture()
        let s = try f.segment()
        let reply = await f.put(s, body: [UInt8](repeating: 7, count: s.ciphertext.count))
        #expect(reply.status == 422)
        #expect(await f.receiver.head(f.key(s)) == Reply(status: 404, offset: 0))
        #expect(await f.put(s).status == 200)
    }

    @Test func refusesOversizeAndMalformedRequests() async throws {
        let f = try UploadFixture(maxSegmentBytes: 1000)
        let s = try f.segment(size: 5000)
        #expect(await f.put(s).status == 413)
        var noManifest = f.headers(s)
        noManifest.manifest = nil
        #expect(await f.receiver.putSegment(f.key(s), headers: noManifest, body: Chunks([])).status == 400)
        var notBase64 = f.headers(s)
        notBase64.signature = "%%%"
        #expect(await f.receiver.putSegment(f.key(s), headers: notBase64, body: Chunks([])).status == 400)
        // The URL's sequence must be the manifest's.
        var key = f.key(s)
        key.sequence = 9
        #expect(await f.receiver.putSegment(key, headers: f.headers(s), body: Chunks(s.ciphertext)).status == 400)
    }

    @Test func storesGapsIdempotently() async throws {
        let f = try UploadFixture()
        let segment = try f.segment()
        let gap = try f.gap()
        #expect(await f.put(segment).status == 200)
        let key = SegmentKey(gateway: "site-042", camera: "cam1", sequence: gap.sequence)
        let signature = Data(gap.signature.utf8).base64EncodedString()
        let stored = await f.receiver.putGap(key, signature: signature, body: Chunks(gap.json))
        #expect(stored.status == 200 && stored.bodyText.contains(#""status":"stored""#))
        #expect(try FileSystem.readFile("\(f.store)/site-042/cam1/\(gap.fileName)") == gap.json)
        #expect(gap.fileName.hasSuffix("-gap.json"))
        let again = await f.receiver.putGap(key, signature: signature, body: Chunks(gap.json))
        #expect(again.bodyText.contains(#""status":"duplicate""#))
        // A gap sent as a segment (or the reverse) is malformed.
        #expect(await f.receiver.putGap(f.key(segment), signature: signature, body: Chunks(gap.json)).status == 400)
        #expect(f.receiver.metrics.snapshot.gapsStored == 1)
        let report = try ChainVerifier(publicKey: f.key.publicKey).verify(directory: "\(f.store)/site-042")
        #expect(report.isIntact, "\(report.text)")
    }

    @Test func chainBreaksAreReportedButStored() async throws {
        let f = try UploadFixture()
        let fork = try f.forkedChain()
        let first = try f.segment()
        _ = try f.segment(in: fork)
        let second = try f.segment(in: fork)  // sequence 1, chained to the fork's 0
        #expect(await f.put(first).status == 200)
        #expect(await f.put(second).status == 200)
        #expect(f.receiver.metrics.snapshot.chainBreaks == 1)
        #expect(f.events.all.contains { $0.hasPrefix("event=chain-break gateway=site-042 camera=cam1 sequence=\(second.manifest.sequence) ") })
        let report = try ChainVerifier(publicKey: f.key.publicKey).verify(directory: "\(f.store)/site-042")
        #expect(!report.isIntact)
    }

    @Test func outOfOrderArrivalVerifiesOnceComplete() async throws {
        let f = try UploadFixture()
        let sealed = try (0..<4).map { _ in try f.segment() } + [try f.segment(camera: "cam2")]
        for s in sealed.reversed() { #expect(await f.put(s).status == 200) }
        #expect(f.receiver.metrics.snapshot.chainBreaks == 0)
        let report = try ChainVerifier(publicKey: f.key.publicKey).verify(directory: "\(f.store)/site-042")
        #expect(report.isIntact, "\(report.text)")
        #expect(report.cameras.map(\.manifests) == [4, 1])
        let text = f.receiver.metrics.prometheusText
        #expect(text.contains("edge_centre_segments_stored_total 5\n"))
    }

    @Test func aHoleFilledLateIsANoticeNotABreak() async throws {
        let f = try UploadFixture()
        let numbers = try (0..<3).map { _ in try f.chain.reserveSequence(camera: "cam1") }
        func seal(_ sequence: UInt64) throws -> UploadFixture.Sealed {
            let bytes = [UInt8](repeating: UInt8(sequence), count: 100)
            let file = "\(String(sequence + 100_000_000).dropFirst())-x.mkv.age"
            let facts = SegmentFacts(
                camera: "cam1", file: file, start: f.now, end: f.now, frames: 1, firstFrame: 0, lastFrame: 0, codec: "V_MJPEG",
                width: 8, height: 8, capture: "MJPG", ciphertextSize: 100, ciphertextSHA256: SHA256Test.hash(bytes),
                truncated: false, reason: "cut")
            return .init(manifest: try f.chain.seal(facts, sequence: sequence), ciphertext: bytes, camera: "cam1")
        }
        // Sealed 1, 3, then 2 (recovery filling a hole): 3 names 1, 2 names 3.
        let sealed = [try seal(numbers[0]), try seal(numbers[2]), try seal(numbers[1])]
        for s in sealed { #expect(await f.put(s).status == 200) }
        #expect(f.receiver.metrics.snapshot.chainBreaks == 0)
        #expect(f.events.all.filter { $0.hasPrefix("event=sealed-late") }.count == 2)
        let report = try ChainVerifier(publicKey: f.key.publicKey).verify(directory: "\(f.store)/site-042")
        #expect(report.isIntact, "\(report.text)")
    }
}
