import EdgeJSON
import EdgeSystem
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP face of `SegmentReceiver` (PROTOCOL.md): routes, headers in, status and
/// headers out. The gateway is always the certificate's CN, never anything in the URL.
public enum CentreRoutes {
    static let manifestHeader = HTTPField.Name("Edge-Manifest")!
    static let signatureHeader = HTTPField.Name("Edge-Signature")!
    static let offsetHeader = HTTPField.Name("Edge-Offset")!
    static let completeHeader = HTTPField.Name("Edge-Complete")!

    public static func router(
        _ receiver: SegmentReceiver, fleet: FleetStore? = nil, renewing desk: EnrolmentDesk? = nil, injecting refusals: InjectedRefusals? = nil
    ) -> Router<CentreRequestContext> {
        let router = Router(context: CentreRequestContext.self)
        if let refusals { router.add(middleware: InjectedRefusalsMiddleware(refusals: refusals, log: receiver.log)) }
        router.head("/v1/segments/:camera/:sequence") { _, context in
            let key = try await segmentKey(context, receiver)
            return response(await receiver.head(key, close: context.closeConnection), head: true)
        }
        router.put("/v1/segments/:camera/:sequence") { request, context in
            let key = try await segmentKey(context, receiver)
            let headers = SegmentReceiver.SegmentHeaders(
                manifest: request.headers[manifestHeader], signature: request.headers[signatureHeader],
                offset: request.headers[offsetHeader], contentLength: request.headers[.contentLength])
            // libcurl sends `Expect: 100-continue` for bodies over 1 MiB and otherwise waits
            // a second; answered only once the headers passed, so refusals cost no body.
            let expectsContinue = request.headers[.expect]?.lowercased() == "100-continue"
            return response(
                await receiver.putSegment(key, headers: headers, body: request.body, close: context.closeConnection) {
                    if expectsContinue { await context.sendContinue() }
                })
        }
        router.put("/v1/gaps/:camera/:sequence") { request, context in
            let key = try await segmentKey(context, receiver)
            return response(
                await receiver.putGap(
                    key, signature: request.headers[signatureHeader], contentLength: request.headers[.contentLength],
                    body: request.body, close: context.closeConnection))
        }
        router.put("/v1/checkpoints/:camera") { request, context in
            let (gateway, camera) = try await cameraKey(context, receiver)
            return response(
                await receiver.putCheckpoint(
                    gateway: gateway, camera: camera, signature: request.headers[signatureHeader],
                    contentLength: request.headers[.contentLength], body: request.body, close: context.closeConnection))
        }
        // Who the centre takes the caller for, and whether it can check its manifests:
        // what `edgectl uplink test` asks to tell "authenticated" from "registered" (and
        // a revoked gateway is refused here as everywhere).
        router.get("/v1/identity") { _, context in
            guard let gateway = await context.gateway(), PlainName.isValid(gateway) else {
                let refusal: JSONValue = .object([("error", .string("no client certificate with a plain gateway id (CN)"))])
                return response(Reply(status: 403, body: CanonicalJSON.encode(refusal)))
            }
            var fields: [(String, JSONValue)] = [("gateway", .string(gateway)), ("registered", .bool(true))]
            do throws(Refusal) { _ = try receiver.keys.key(for: gateway) } catch {
                // A revoked gateway learns nothing more than why it is refused.
                if error.reason == "revoked" { throw refuse(receiver, error) }
                fields = [("gateway", .string(gateway)), ("registered", .bool(false)), ("error", .string(error.message))]
            }
            return response(Reply(status: 200, body: CanonicalJSON.encode(.object(fields))))
        }
        // A registered gateway's new certificate for a fresh key (PROTOCOL.md, "Enrolment").
        router.put("/v1/reenrolment") { request, context in
            let gateway = try await registeredGateway(context, receiver)
            guard let desk else {
                throw refuse(
                    receiver,
                    Refusal(404, "no-renewal", "this centre does not issue certificates: serve needs --enrol-listen, --enrol-tokens and --ca-key"))
            }
            return await EnrolmentRoutes.renew(desk, gateway, request, context)
        }
        addFleet(router, receiver, fleet)
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: receiver.metrics.prometheusText)))
        }
        return router
    }

    /// The gateway from the certificate, the camera and sequence from the URL; a refusal
    /// (answered as JSON) when any is unusable, or when the gateway is not registered: no
    /// route reads a body, or tells what the store holds, for a sender it cannot check.
    static func segmentKey(_ context: CentreRequestContext, _ receiver: SegmentReceiver) async throws -> SegmentKey {
        let (gateway, camera) = try await cameraKey(context, receiver)
        guard let sequence = context.parameters.get("sequence").flatMap({ UInt64(plainDecimal: $0) }), sequence >= 1 else {
            throw refuse(receiver, .malformed("sequence must be a whole number ≥ 1 in plain digits (no sign, no leading zero)"))
        }
        return SegmentKey(gateway: gateway, camera: camera, sequence: sequence)
    }

    /// The gateway from the certificate, refused unless registered.
    static func registeredGateway(_ context: CentreRequestContext, _ receiver: SegmentReceiver) async throws -> String {
        guard let gateway = await context.gateway(), PlainName.isValid(gateway) else {
            throw refuse(receiver, Refusal(403, "no-identity", "no client certificate with a plain gateway id (CN)"))
        }
        do { _ = try receiver.keys.key(for: gateway) } catch { throw refuse(receiver, error) }
        return gateway
    }

    /// The gateway from the certificate (registered) and the camera from the URL.
    static func cameraKey(_ context: CentreRequestContext, _ receiver: SegmentReceiver) async throws -> (String, String) {
        func refuse(_ refusal: Refusal) -> RouteRefusal { Self.refuse(receiver, refusal) }
        let gateway = try await registeredGateway(context, receiver)
        let camera = context.parameters.get("camera") ?? ""
        guard PlainName.isValid(camera) else {
            throw refuse(.malformed("camera \(LogField.quoted(String(camera.prefix(80)))) must be \(PlainName.rule())"))
        }
        return (gateway, camera)
    }

    static func refuse(_ receiver: SegmentReceiver, _ refusal: Refusal) -> RouteRefusal {
        receiver.metrics.update { $0.rejected[refusal.reason, default: 0] += 1 }
        receiver.log("event=refused status=\(refusal.status) reason=\(refusal.reason) message=\(LogField.quoted(refusal.message))")
        return RouteRefusal(.refused(refusal))
    }

    static func response(_ reply: Reply, head: Bool = false) -> Response {
        var headers: HTTPFields = [:]
        if let offset = reply.offset { headers[offsetHeader] = String(offset) }
        if reply.complete { headers[completeHeader] = "true" }
        if let retry = reply.retryAfter { headers[.retryAfter] = String(retry) }
        if head || reply.body.isEmpty { return Response(status: .init(code: reply.status), headers: headers) }
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: reply.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body + [UInt8(ascii: "\n")])))
    }
}

/// A reply thrown from a route before the receiver runs (no identity, bad URL).
struct RouteRefusal: HTTPResponseError {
    let reply: Reply
    init(_ reply: Reply) { self.reply = reply }
    var status: HTTPResponse.Status { .init(code: reply.status) }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        CentreRoutes.response(reply)
    }
}
