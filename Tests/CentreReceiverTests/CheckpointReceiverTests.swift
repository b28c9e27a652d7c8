import CentreReceiver
import Custody
import DeviceIdentity
import EdgeSystem
import Foundation
import Testing
import TestSupport

/// `PUT /v1/checkpoints/{camera}`: the centre keeps the highest checkpoint per gateway
/// and camera, and `edge-centre verify` of its store states completeness up to it.
@Suite struct CheckpointReceiverTests {
    func put(_ f: UploadFixture, _ signed: SignedCheckpoint, camera: String = "cam1", gateway: String? = nil) async -> Reply {
        await f.receiver.putCheckpoint(
            gateway: gateway ?? f.gateway, camera: camera, signature: Data(signed.signature.utf8).base64EncodedString(),
            contentLength: String(signed.json.count), body: Chunks(signed.json))
    }

    @Test func keepsTheHighestAndVerifyStatesCompletenessUpToIt() async throws {
        let f = try UploadFixture()
        let first = try f.segment()
        let old = try #require(try f.chain.checkpoint(camera: "cam1", at: f.now))
        let second = try f.segment()
        let new = try #require(try f.chain.checkpoint(camera: "cam1", at: f.now))
        // The head can arrive before the manifests it names: the store is then behind.
        let stored = await put(f, new)
        #expect(stored.status == 200 && stored.bodyText.contains(#""status":"stored""#), "\(stored.bodyText)")
        #expect(stored.bodyText.contains(#""sequence":2"#))
        #expect(await put(f, new).bodyText.contains(#""status":"duplicate""#))
        let older = await put(f, old)
        #expect(older.status == 200 && older.bodyText.contains(#""status":"older""#) && older.bodyText.contains(#""sequence":2"#))
        #expect(await f.put(first).status == 200)
        var report = try ChainVerifier(publicKey: f.key.publicKey).verify(directory: "\(f.store)/site-042")
        #expect(!report.isIntact)
        #expect(report.findings(.truncatedBelowCheckpoint).map(\.sequence) == [2])
        #expect(await f.put(second).status == 200)
        report = try ChainVerifier(publicKey: f.key.publicKey).verify(directory: "\(f.store)/site-042")
        #expect(report.isCompleteToCheckpoints, "\(report.text)")
        #expect(report.text.contains("complete up to checkpoint 2"))
    }

    @Test func twoHeadsSignedForOneSequenceAreAConflict() async throws {
        let f = try UploadFixture()
        try f.segment()
        let fork = try f.forkedChain()
        try f.segment(in: fork)
        let mine = try #require(try f.chain.checkpoint(camera: "cam1", at: f.now))
        let theirs = try #require(try fork.checkpoint(camera: "cam1", at: f.now))
        #expect(await put(f, mine).status == 200)
        let conflict = await put(f, theirs)
        #expect(conflict.status == 409, "\(conflict.bodyText)")
        #expect(conflict.bodyText.contains("two heads"))
        #expect(f.receiver.metrics.snapshot.conflicts == 1)
    }

    @Test func refusesWhatItCannotVouchFor() async throws {
        let f = try UploadFixture()
        try f.segment()
        let signed = try #require(try f.chain.checkpoint(camera: "cam1", at: f.now))
        // Another camera's URL, another gateway's certificate, an unregistered gateway.
        #expect(await put(f, signed, camera: "cam2").status == 400)
        #expect(await put(f, signed, gateway: "site-999").status == 403)
        // Edited bytes: the signature no longer holds.
        var edited = signed
        edited.json[edited.json.count - 3] ^= 1
        #expect(await put(f, edited).status == 403)
        // Signed by another key.
        let other = try DeviceKey.loadOrCreate(stateDirectory: try Fixtures.scratchDirectory("other"))
        var foreign = signed
        foreign.signature = try other.sign(signed.json, trustedComment: "x").fileText
        #expect(await put(f, foreign).status == 403)
        // No signature, a declared length over the limit, a body over it.
        #expect(await f.receiver.putCheckpoint(gateway: f.gateway, camera: "cam1", signature: nil, body: Chunks(signed.json)).status == 400)
        let big = await f.receiver.putCheckpoint(
            gateway: f.gateway, camera: "cam1", signature: Data(signed.signature.utf8).base64EncodedString(),
            contentLength: "99999999999999999999", body: Chunks([]))
        #expect(big.status == 400 || big.status == 413)
        let long = await f.receiver.putCheckpoint(
            gateway: f.gateway, camera: "cam1", signature: Data(signed.signature.utf8).base64EncodedString(),
            body: Chunks([UInt8](repeating: 0x20, count: 5000)))
        #expect(long.status == 413)
        #expect(!FileSystem.exists("\(f.store)/site-042/.checkpoints/cam1.json"))
    }
}
