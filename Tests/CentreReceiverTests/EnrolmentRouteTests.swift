import CentreReceiver
import DeviceIdentity
import EdgeSystem
import Enrolment
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing
import TestSupport

/// `PUT /v1/enrolment/{gateway}` on the enrolment listener: a gateway with a one-time
/// token gets its certificate and is registered; everything else is refused with why,
/// and a refusal before the token is used up leaves the token usable.
@Suite(.enabled(if: Tool.available("openssl"))) struct EnrolmentRouteTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        func add(_ line: String) { all.withLock { $0.append(line) } }
        var joined: String { all.withLock { $0.joined(separator: "\n") } }
    }

    struct Setup {
        var desk: EnrolmentDesk
        var gateways: String
        var token: String
        var deviceKey: String
        var log: Lines
        var time: ManualTime
    }

    func setup(_ label: String) throws -> Setup {
        let dir = try Fixtures.scratchDirectory(label)
        try FileSystem.makeDirectories("\(dir)/gateways", mode: 0o755)
        try Tool.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(dir)/ca.key"])
        try Tool.run("openssl", ["req", "-x509", "-new", "-key", "\(dir)/ca.key", "-subj", "/CN=test CA", "-days", "30", "-out", "\(dir)/ca.pem"])
        let time = ManualTime(wall: WallTime(rfc3339: "2026-12-06T10:00:00.000000000Z")!.nanosecondsSinceEpoch)
        let tokens = EnrolmentTokens(directory: "\(dir)/tokens")
        let token = try tokens.issue(for: "site-042", now: time.wallNow(), expires: time.wallNow() + .seconds(3600))
        let log = Lines()
        let desk = EnrolmentDesk(
            tokens: tokens, keys: GatewayKeys(directory: "\(dir)/gateways"),
            authority: try CertificateAuthority(certificateFile: "\(dir)/ca.pem", keyFile: "\(dir)/ca.key"),
            serverCA: try FileSystem.readFile("\(dir)/ca.pem", limit: 65536), time: time, log: { log.add($0) })
        let key = try DeviceKey.loadOrCreate(stateDirectory: "\(dir)/state")
        return Setup(desk: desk, gateways: "\(dir)/gateways", token: token, deviceKey: key.publicKey.fileText, log: log, time: time)
    }

    func call(_ s: Setup, gateway: String = "site-042", token: String?, body: [UInt8], contentType: String = "application/json") async throws
        -> (status: Int, body: String)
    {
        var headers: HTTPFields = [.contentType: contentType, .contentLength: String(body.count)]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let request = Request(
            head: HTTPRequest(method: .put, scheme: "https", authority: "centre", path: "/v1/enrolment/\(gateway)", headerFields: headers),
            body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let response = try await EnrolmentRoutes.router(s.desk).buildResponder().respond(to: request, context: CentreRequestContext(gateway: nil))
        let collected = Collected()
        try await response.body.write(CollectingWriter(into: collected))
        return (Int(response.status.code), String(buffer: collected.buffer))
    }

    func request(_ s: Setup, name: String = "site-042", deviceKey: String? = nil) throws -> [UInt8] {
        EnrolmentRequest(csr: try CertificateRequest.make(commonName: name).request, deviceKey: deviceKey ?? s.deviceKey).json
    }

    @Test func aGatewayWithItsTokenGetsACertificateAndIsRegisteredOnce() async throws {
        let s = try setup("enrol-good")
        let body = try request(s)
        let answer = try await call(s, token: s.token, body: body)
        #expect(answer.status == 200, "\(answer.body)")
        let parsed = try EnrolmentAnswer.parse(Array(answer.body.utf8))
        let facts = try CertificateFacts.read(parsed.certificate)
        #expect(facts.commonName == "site-042")
        #expect(facts.publicKeyPin == (try EnrolmentRequest.parse(body)).csr.publicKeyPin)
        #expect(parsed.ca == (try FileSystem.readFile(s.gateways + "/../ca.pem", limit: 65536)))
        let registered = try FileSystem.readFile("\(s.gateways)/site-042.pub", limit: 4096)
        #expect(String(decoding: registered, as: UTF8.self) == s.deviceKey)
        #expect(s.log.joined.contains("event=enrolled gateway=site-042"))

        let again = try await call(s, token: s.token, body: try request(s))
        #expect(again.status == 403)
        #expect(again.body.contains("the enrolment token for site-042 was used already"))
    }

    @Test func refusalsBeforeTheTokenIsUsedLeaveItUsable() async throws {
        let s = try setup("enrol-refusals")
        let cases: [(gateway: String, token: String?, body: [UInt8], type: String, status: Int, why: String)] = [
            ("site-042", nil, try request(s), "application/json", 403, "no enrolment token"),
            ("site-042", "AAAA-BBBB", try request(s), "application/json", 403, "does not match"),
            ("site-043", s.token, try request(s, name: "site-043"), "application/json", 403, "no enrolment token was issued for site-043"),
            ("Site-042", s.token, try request(s), "application/json", 400, "must be 1–64 of a-z"),
            ("site-042", s.token, try request(s), "text/plain", 415, "Content-Type: application/json"),
            ("site-042", s.token, Array("{".utf8), "application/json", 400, "the request is not JSON"),
            ("site-042", s.token, try request(s, name: "site-043"), "application/json", 400, #"is for \"site-043\", not site-042"#),
            ("site-042", s.token, try request(s, deviceKey: "RWQ not a key"), "application/json", 400, "deviceKey is not a minisign public key"),
            ("site-042", s.token, [UInt8](repeating: 32, count: 20_000), "application/json", 413, "at most 16384"),
        ]
        for c in cases {
            let answer = try await call(s, gateway: c.gateway, token: c.token, body: c.body, contentType: c.type)
            #expect(answer.status == c.status, "\(c.why): \(answer.body)")
            #expect(answer.body.contains(c.why), "\(answer.body)")
        }
        #expect(!FileSystem.exists("\(s.gateways)/site-042.pub"))
        #expect(s.log.joined.components(separatedBy: "event=enrolment-refused").count - 1 == cases.count)
        #expect(try await call(s, token: s.token, body: try request(s)).status == 200)
    }

    @Test func anExpiredTokenARevokedGatewayAndAnotherKeyAreRefused() async throws {
        let s = try setup("enrol-refused")
        s.time.stepWallClock(by: .seconds(3600))
        let late = try await call(s, token: s.token, body: try request(s))
        #expect(late.status == 403 && late.body.contains("expired at 2026-12-06T11:00:00Z"))

        let t = try setup("enrol-other-key")
        let other = try DeviceKey.loadOrCreate(stateDirectory: try Fixtures.scratchDirectory("enrol-other-box"))
        try Fixtures.write(Array(other.publicKey.fileText.utf8), to: "\(t.gateways)/site-042.pub")
        let taken = try await call(t, token: t.token, body: try request(t))
        #expect(taken.status == 409, "\(taken.body)")
        #expect(taken.body.contains("is registered with another device key"))

        let r = try setup("enrol-revoked")
        try GatewayKeys(directory: r.gateways).revoke("site-042", reason: "stolen", at: r.time.wallNow())
        let revoked = try await call(r, token: r.token, body: try request(r))
        #expect(revoked.status == 403 && revoked.body.contains("gateway site-042 is revoked"))
    }

    /// `PUT /v1/reenrolment` on the mutual TLS port: the certificate's gateway, registered
    /// and not revoked, gets a certificate for a fresh key with the same name.
    @Test func aRegisteredGatewayRenewsItsCertificateForAFreshKey() async throws {
        let f = try UploadFixture()
        let s = try setup("renew")
        let desk = EnrolmentDesk(
            tokens: s.desk.tokens, keys: GatewayKeys(directory: f.gateways), authority: s.desk.authority, serverCA: s.desk.serverCA,
            time: s.time, log: { s.log.add($0) })
        func renew(_ gateway: String?, _ body: [UInt8], desk: EnrolmentDesk?) async throws -> (status: Int, body: String) {
            let request = Request(
                head: HTTPRequest(
                    method: .put, scheme: "https", authority: "centre", path: "/v1/reenrolment",
                    headerFields: [.contentType: "application/json", .contentLength: String(body.count)]),
                body: RequestBody(buffer: ByteBuffer(bytes: body)))
            let context = CentreRequestContext(gateway: gateway)
            let router = CentreRoutes.router(f.receiver, renewing: desk)
            let response: Response
            do { response = try await router.buildResponder().respond(to: request, context: context) } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
            let collected = Collected()
            try await response.body.write(CollectingWriter(into: collected))
            return (Int(response.status.code), String(buffer: collected.buffer))
        }
        let (csr, _) = try CertificateRequest.make(commonName: "site-042")
        let good = try await renew("site-042", RenewalRequest(csr: csr).json, desk: desk)
        #expect(good.status == 200, "\(good.body)")
        let facts = try CertificateFacts.read(try EnrolmentAnswer.parse(Array(good.body.utf8)).certificate)
        #expect(facts.commonName == "site-042" && facts.publicKeyPin == csr.publicKeyPin)
        #expect(s.log.joined.contains("event=reenrolled gateway=site-042"))

        let (other, _) = try CertificateRequest.make(commonName: "site-043")
        let renamed = try await renew("site-042", RenewalRequest(csr: other).json, desk: desk)
        #expect(renamed.status == 400 && renamed.body.contains(#"is for \"site-043\", not site-042"#), "\(renamed.body)")
        #expect(try await renew("site-042", Array(#"{"csr": "x", "deviceKey": "y"}"#.utf8), desk: desk).status == 400)
        #expect(try await renew("site-043", RenewalRequest(csr: other).json, desk: desk).status == 403)  // not registered
        #expect(try await renew(nil, RenewalRequest(csr: csr).json, desk: desk).status == 403)  // no certificate
        let off = try await renew("site-042", RenewalRequest(csr: csr).json, desk: nil)
        #expect(off.status == 404 && off.body.contains("does not issue certificates"))
        try GatewayKeys(directory: f.gateways).revoke("site-042", reason: "stolen", at: s.time.wallNow())
        #expect(try await renew("site-042", RenewalRequest(csr: csr).json, desk: desk).status == 403)
    }

    /// A key id is eight bytes anyone can copy: a key that only shares the registered
    /// one's id is another key.
    @Test func aKeyWithTheRegisteredKeysIdButAnotherKeyIsRefused() async throws {
        let s = try setup("enrol-same-id")
        let registered = try MinisignPublicKey(parsing: s.deviceKey)
        let other = try DeviceKey.loadOrCreate(stateDirectory: try Fixtures.scratchDirectory("enrol-impostor")).publicKey
        let impostor = MinisignPublicKey(keyID: registered.keyID, key: other.key)
        try Fixtures.write(Array(s.deviceKey.utf8), to: "\(s.gateways)/site-042.pub")
        let answer = try await call(s, token: s.token, body: try request(s, deviceKey: impostor.fileText))
        #expect(answer.status == 409, "\(answer.body)")
        #expect(try FileSystem.readFile("\(s.gateways)/site-042.pub", limit: 4096) == Array(s.deviceKey.utf8))
        // The same key again (a box that lost its certificate) is let in.
        #expect(try await call(s, token: s.token, body: try request(s)).status == 200)
    }

    /// Of several requests with one token at once, exactly one is enrolled.
    @Test func oneTokenEnrolsOnceEvenWhenSentSeveralTimesAtOnce() async throws {
        let s = try setup("enrol-race")
        let bodies = try (0..<8).map { _ in try request(s) }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for body in bodies { group.addTask { try await call(s, token: s.token, body: body).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
        #expect(statuses.filter { $0 == 403 }.count == 7, "\(statuses)")
    }
}
