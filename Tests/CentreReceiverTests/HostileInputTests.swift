import CentreReceiver
import Custody
import DeviceIdentity
import EdgeSystem
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing
import TestSupport

/// Requests built to break the centre: times and sizes beyond what the arithmetic holds,
/// bodies from senders it cannot check, numbers with two spellings. Each is refused with
/// an answer that names the problem; none may trap the process.
@Suite struct HostileInputTests {
    /// The fixture's next segment with its manifest bytes edited by `edit` and signed again
    /// with the gateway's own key, so only the content is wrong.
    func resigned(_ f: UploadFixture, _ edit: (String) -> String) throws -> UploadFixture.Sealed {
        var s = try f.segment()
        let json = Array(edit(String(decoding: s.manifest.json, as: UTF8.self)).utf8)
        let comment = Manifest.trustedComment(
            gateway: f.gateway, camera: s.camera, sequence: s.manifest.sequence, sha256: SHA256Test.hash(json))
        s.manifest.json = json
        s.manifest.signature = try f.key.sign(json, trustedComment: comment).fileText
        return s
    }

    static func replacingFirstWall(_ text: String, with wall: String) -> String {
        guard let range = text.range(of: #""wall":""#) else { return text }
        let valueStart = range.upperBound
        let valueEnd = text.index(valueStart, offsetBy: 30)
        return text.replacingCharacters(in: valueStart..<valueEnd, with: wall)
    }

    @Test(arguments: ["2263-01-01T00:00:00.000000000Z", "9999-12-31T23:59:59.999999999Z", "1677-01-01T00:00:00.000000000Z"])
    func aSignedManifestFromBeyond2262IsRefusedNotATrap(wall: String) async throws {
        let f = try UploadFixture()
        let s = try resigned(f) { Self.replacingFirstWall($0, with: wall) }
        #expect(String(decoding: s.manifest.json, as: UTF8.self).contains(wall))
        let reply = await f.put(s)
        #expect(reply.status == 400)
        #expect(reply.bodyText.contains("end.wall"), "\(reply.bodyText)")
        #expect(await f.receiver.head(f.key(s)).status == 404)
    }

    @Test func theSignatureIsCheckedBeforeTheManifestIsParsed() async throws {
        let f = try UploadFixture()
        var s = try f.segment()
        // Not signed by the gateway: refused for the signature, whatever the bytes say.
        s.manifest.json = Array(Self.replacingFirstWall(
            String(decoding: s.manifest.json, as: UTF8.self), with: "2263-01-01T00:00:00.000000000Z").utf8)
        let reply = await f.put(s)
        #expect(reply.status == 403)
        #expect(f.receiver.metrics.snapshot.rejected["bad-signature"] == 1)
        // Garbage that is not even JSON, unsigned: also the signature's refusal.
        s.manifest.json = Array("{\"version\":1,".utf8)
        #expect(await f.put(s).status == 403)
    }

    @Test func aHugeContentLengthAfterAnOffsetIsRefusedNotATrap() async throws {
        let f = try UploadFixture()
        let s = try f.segment()
        // Ten bytes durable first, so Edge-Offset 10 is the right offset.
        #expect(await f.put(s, body: Array(s.ciphertext[..<10])).status == 308)
        var headers = f.headers(s, offset: 10)
        headers.contentLength = String(Int64.max)
        let reply = await f.receiver.putSegment(f.key(s), headers: headers, body: Chunks([1, 2, 3]))
        #expect(reply.status == 400)
        #expect(reply.bodyText.contains("runs past the ciphertext size"))
        #expect(await f.receiver.head(f.key(s)).offset == 10)
    }

    @Test(arguments: ["+5", "05", " 5", "5 ", "0x5", "5e0", "", "-0", "99999999999999999999"])
    func numbersWithAnotherSpellingAreRefused(text: String) async throws {
        let f = try UploadFixture()
        let s = try f.segment()
        var headers = f.headers(s)
        headers.offset = text
        #expect(await f.receiver.putSegment(f.key(s), headers: headers, body: Chunks(s.ciphertext)).status == 400)
        headers = f.headers(s)
        headers.contentLength = text
        #expect(await f.receiver.putSegment(f.key(s), headers: headers, body: Chunks(s.ciphertext)).status == 400)
    }

    @Test func aGapBodyIsNotReadBeforeTheSenderIsKnown() async throws {
        let f = try UploadFixture()
        let gap = try f.gap()
        let signature = Data(gap.signature.utf8).base64EncodedString()
        let unregistered = SegmentKey(gateway: "site-099", camera: "cam1", sequence: gap.sequence)
        let body = WatchedBody(Array(repeating: 0x41, count: 1 << 20))
        let reply = await f.receiver.putGap(unregistered, signature: signature, body: body)
        #expect(reply.status == 403)
        #expect(reply.bodyText.contains("not registered"))
        #expect(!body.wasRead)
        // A registered gateway declaring more than a gap can be is refused unread too.
        let registered = SegmentKey(gateway: f.gateway, camera: "cam1", sequence: gap.sequence)
        let big = WatchedBody([1])
        let tooLong = await f.receiver.putGap(registered, signature: signature, contentLength: "1048576", body: big)
        #expect(tooLong.status == 413)
        #expect(!big.wasRead)
        // And the real gap still goes in.
        #expect(await f.receiver.putGap(registered, signature: signature, body: Chunks(gap.json)).status == 200)
    }

    @Test func routesRefuseSequencesWithAnotherSpellingAndUnregisteredGateways() async throws {
        let f = try UploadFixture()
        let router = CentreRoutes.router(f.receiver)
        func head(_ path: String, gateway: String = "site-042") async throws -> Int {
            let request = Request(
                head: HTTPRequest(method: .head, scheme: "https", authority: "centre", path: path, headerFields: [:]),
                body: RequestBody(buffer: ByteBuffer()))
            let context = CentreRequestContext(gateway: gateway)
            do {
                return try await router.buildResponder().respond(to: request, context: context).status.code
            } catch let error as any HTTPResponseError {
                return try error.response(from: request, context: context).status.code
            }
        }
        #expect(try await head("/v1/segments/cam1/5") == 404)
        for bad in ["+5", "05", "0", "5a", "18446744073709551616"] {
            #expect(try await head("/v1/segments/cam1/\(bad)") == 400, "sequence \(bad)")
        }
        #expect(try await head("/v1/segments/cam1/5", gateway: "site-099") == 403)
    }

    @Test func logLinesQuoteOutsideText() throws {
        #expect(LogField.value("site-042") == "site-042")
        #expect(LogField.value("cam\" gateway=evil") == #""cam\" gateway=evil""#)
        #expect(LogField.quoted("a\nevent=stored b\\") == #""a\nevent=stored b\\""#)
        #expect(LogField.quoted("\u{1b}[31m") == #""\u{1b}[31m""#)
        #expect(LogField.value("") == #""""#)
    }
}

/// A request body that remembers whether anyone iterated it.
final class WatchedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    private let chunks: Chunks
    private let read = Mutex(false)

    init(_ bytes: [UInt8]) { chunks = Chunks(bytes) }

    var wasRead: Bool { read.withLock { $0 } }

    func makeAsyncIterator() -> Chunks.AsyncIterator {
        read.withLock { $0 = true }
        return chunks.makeAsyncIterator()
    }
}
