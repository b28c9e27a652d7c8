import CentreReceiver
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// The HTTP face, through Hummingbird's router in process (no port): routes, headers in,
/// status and headers out, identity from the context.
@Suite struct CentreRoutesTests {
    func call(
        _ f: UploadFixture, _ method: HTTPRequest.Method, _ path: String, gateway: String? = "site-042",
        headers: HTTPFields = [:], body: [UInt8] = []
    ) async throws -> Response {
        let router = CentreRoutes.router(f.receiver)
        let request = Request(
            head: HTTPRequest(method: method, scheme: "https", authority: "centre", path: path, headerFields: headers),
            body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let context = CentreRequestContext(gateway: gateway)
        do {
            return try await router.buildResponder().respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }

    @Test func putThenHeadThroughTheRouter() async throws {
        let f = try UploadFixture()
        let s = try f.segment()
        let path = "/v1/segments/cam1/\(s.manifest.sequence)"
        #expect(try await call(f, .head, path).status.code == 404)
        var headers: HTTPFields = [:]
        headers[HTTPField.Name("Edge-Manifest")!] = Data(s.manifest.json).base64EncodedString()
        headers[HTTPField.Name("Edge-Signature")!] = Data(s.manifest.signature.utf8).base64EncodedString()
        headers[.contentLength] = "2000"
        let part = try await call(f, .put, path, headers: headers, body: Array(s.ciphertext[..<2000]))
        #expect(part.status.code == 308)
        #expect(part.headers[HTTPField.Name("Edge-Offset")!] == "2000")
        headers[HTTPField.Name("Edge-Offset")!] = "2000"
        headers[.contentLength] = String(s.ciphertext.count - 2000)
        #expect(try await call(f, .put, path, headers: headers, body: Array(s.ciphertext[2000...])).status.code == 200)
        let head = try await call(f, .head, path)
        #expect(head.status.code == 200)
        #expect(head.headers[HTTPField.Name("Edge-Complete")!] == "true")
        #expect(head.headers[HTTPField.Name("Edge-Offset")!] == String(s.ciphertext.count))
    }

    @Test func refusesRequestsWithoutIdentityOrWithBadURLs() async throws {
        let f = try UploadFixture()
        #expect(try await call(f, .head, "/v1/segments/cam1/0", gateway: nil).status.code == 403)
        #expect(try await call(f, .head, "/v1/segments/.hidden/0").status.code == 400)
        #expect(try await call(f, .head, "/v1/segments/cam1/-1").status.code == 400)
        #expect(try await call(f, .put, "/v1/gaps/cam1/0").status.code == 400)  // no Edge-Signature
        #expect(f.receiver.metrics.snapshot.rejected["no-identity"] == 1)
        let metrics = try await call(f, .get, "/metrics")
        #expect(metrics.status.code == 200)
        #expect(f.receiver.metrics.prometheusText.contains(#"edge_centre_rejected_total{reason="malformed"} 3"#))
    }
}
