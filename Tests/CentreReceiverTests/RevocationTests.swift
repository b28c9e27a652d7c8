import CentreReceiver
import EdgeSystem
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TestSupport

/// `edge-centre gateways revoke`: a revoked gateway is refused at every route, with the
/// reason in the answer and the log, before any body is read; restored, it is let in again.
@Suite struct RevocationTests {
    func call(_ f: UploadFixture, _ method: HTTPRequest.Method, _ path: String, fleet: FleetStore? = nil, body: [UInt8] = [])
        async throws -> Response
    {
        let router = CentreRoutes.router(f.receiver, fleet: fleet)
        var headers: HTTPFields = [:]
        if !body.isEmpty { headers[.contentLength] = String(body.count) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "https", authority: "centre", path: path, headerFields: headers),
            body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let context = CentreRequestContext(gateway: f.gateway)
        do {
            return try await router.buildResponder().respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }

    func text(_ response: Response) async throws -> String {
        let collected = Collected()
        try await response.body.write(CollectingWriter(into: collected))
        return String(buffer: collected.buffer)
    }

    @Test func aRevokedGatewayIsRefusedEverywhereWithTheReasonAndLetInAgainWhenRestored() async throws {
        let f = try UploadFixture()
        let fleet = try FleetStore(directory: try Fixtures.scratchDirectory("revocation-fleet"))
        let keys = GatewayKeys(directory: f.gateways)
        let at = try #require(WallTime(rfc3339: "2026-12-06T01:02:03.000000000Z"))
        try keys.revoke(f.gateway, reason: "box stolen from site 42", at: at)

        let s = try f.segment()
        let paths: [(HTTPRequest.Method, String)] = [
            (.head, "/v1/segments/cam1/1"), (.put, "/v1/segments/cam1/1"), (.put, "/v1/gaps/cam1/1"),
            (.put, "/v1/checkpoints/cam1"), (.get, "/v1/identity"), (.get, "/v1/desired"),
            (.get, "/v1/releases/\(String(repeating: "0", count: 64))"), (.put, "/v1/report"),
        ]
        for (method, path) in paths {
            let response = try await call(f, method, path, fleet: fleet, body: method == .put ? s.ciphertext : [])
            #expect(response.status.code == 403, "\(method) \(path)")
            if method != .head {
                let body = try await text(response)
                #expect(body.contains("gateway site-042 was revoked on 2026-12-06T01:02:03Z (box stolen from site 42)"), "\(path): \(body)")
                #expect(body.contains("edge-centre gateways restore site-042"))
            }
        }
        #expect(f.receiver.metrics.snapshot.rejected["revoked"] == paths.count)
        #expect(f.events.all.contains { $0.contains("event=refused status=403 reason=revoked") })
        #expect(!FileSystem.exists("\(f.store)/site-042/cam1"))  // nothing of the body was kept

        // Its key stays, to verify what it sent before; restored, it is let in again.
        #expect(FileSystem.exists("\(f.gateways)/site-042.pub"))
        #expect(try keys.restore(f.gateway))
        #expect(try !keys.restore(f.gateway))
        #expect(try await call(f, .head, "/v1/segments/cam1/1").status.code == 404)
        #expect(await f.put(s).status == 200)
    }

    @Test func anUnreadableRecordStillRevokes() async throws {
        let f = try UploadFixture()
        try Fixtures.write(Array("not json".utf8), to: "\(f.gateways)/site-042.revoked")
        let response = try await call(f, .get, "/v1/identity")
        #expect(response.status.code == 403)
        #expect(try await text(response).contains("its record is unreadable"))
        let listed = try GatewayKeys(directory: f.gateways).gateways()
        #expect(listed.count == 1)
        guard case .failure = listed[0].revoked else { Issue.record("an unreadable record listed as \(listed[0].revoked)"); return }
    }

    @Test func revokingKeepsTheFirstRecordCutsLongReasonsAndRefusesOddIds() throws {
        let f = try UploadFixture()
        let keys = GatewayKeys(directory: f.gateways)
        let first = try #require(WallTime(rfc3339: "2026-12-06T01:00:00.000000000Z"))
        let later = try #require(WallTime(rfc3339: "2026-12-07T01:00:00.000000000Z"))
        let record = try keys.revoke("site-043", reason: String(repeating: "x", count: 500), at: first)
        #expect(record.reason.count == GatewayKeys.maxReason)
        #expect(try keys.revoke("site-043", reason: "again", at: later) == record)
        #expect(try keys.revocation(of: "site-043") == record)
        #expect(try keys.revocation(of: "site-042") == nil)
        for odd in ["../etc", "", ".hidden", "a/b"] {
            #expect(throws: RegistryError.self) { try keys.revoke(odd, reason: "", at: first) }
        }
        // Listed: the registered gateway and the revoked one that has no key here.
        let listed = try keys.gateways()
        #expect(listed.map(\.gateway) == ["site-042", "site-043"])
        #expect(listed[0].keyID != nil && listed[1].keyID == nil)
        #expect(try listed[1].revoked.get()?.reason.count == GatewayKeys.maxReason)
    }
}

/// A response body, collected in the test (one task writes, then the test reads).
final class Collected: @unchecked Sendable {
    var buffer = ByteBuffer()
}

struct CollectingWriter: ResponseBodyWriter {
    let into: Collected
    mutating func write(_ buffer: ByteBuffer) async throws { into.buffer.writeImmutableBuffer(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
