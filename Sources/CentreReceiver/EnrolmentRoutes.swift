import EdgeJSON
import EdgeSystem
import Enrolment
import HTTPTypes
import Hummingbird
import NIOCore

/// The enrolment listener's one route (PROTOCOL.md, "Enrolment"). It runs on a port of
/// its own whose TLS asks for no client certificate: a gateway enrols before it has one.
/// The token is checked before a byte of the body is read, and the body is capped.
public enum EnrolmentRoutes {
    /// Seconds the whole body may take to arrive (it is at most 16 KiB).
    static let bodySeconds = 10

    public static func router(_ desk: EnrolmentDesk) -> Router<CentreRequestContext> {
        let router = Router(context: CentreRequestContext.self)
        router.put("/v1/enrolment/:gateway") { request, context in
            let gateway = context.parameters.get("gateway") ?? ""
            do throws(EnrolmentError) {
                // Everything that can be checked before a byte of the body is read.
                try desk.admit(gateway, token: bearer(request.headers[.authorization]))
                let body = try await read(request, context)
                return json(try desk.enrol(gateway, token: bearer(request.headers[.authorization]), body: body).json, status: 200)
            } catch {
                return refused(desk, gateway, error)
            }
        }
        return router
    }

    /// `PUT /v1/reenrolment` on the mutual TLS port: `gateway` is the certificate's,
    /// already checked as registered and not revoked.
    static func renew(_ desk: EnrolmentDesk, _ gateway: String, _ request: Request, _ context: CentreRequestContext) async -> Response {
        do throws(EnrolmentError) {
            let body = try await read(request, context)
            return json(try desk.renew(gateway, body: body).json, status: 200)
        } catch {
            return refused(desk, gateway, error)
        }
    }

    /// The body: JSON, at most `EnrolmentRequest.maxBytes` (refused from Content-Length
    /// before reading), all of it within `bodySeconds`.
    static func read(_ request: Request, _ context: CentreRequestContext) async throws(EnrolmentError) -> [UInt8] {
        guard request.headers[.contentType]?.split(separator: ";").first?.filter({ $0 != " " }).lowercased() == "application/json" else {
            throw EnrolmentError(.notJSON, "send the request as Content-Type: application/json")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > EnrolmentRequest.maxBytes {
            throw EnrolmentError(.tooLarge, "the request is \(length) bytes; at most \(EnrolmentRequest.maxBytes)")
        }
        return try await collect(request.body, close: context.closeConnection)
    }

    /// The token from `Authorization: Bearer <token>`.
    static func bearer(_ header: String?) -> String? {
        guard let header, header.count <= 200, header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count).filter { $0 != " " })
    }

    /// The body, refused past `EnrolmentRequest.maxBytes` or after `bodySeconds`.
    static func collect(_ body: RequestBody, close: @escaping SegmentReceiver.CloseConnection) async throws(EnrolmentError) -> [UInt8] {
        let watch = StallWatch(timeout: .seconds(bodySeconds)) { close() }
        defer { watch.finish() }
        var bytes: [UInt8] = []
        do {
            for try await buffer in body {
                guard bytes.count + buffer.readableBytes <= EnrolmentRequest.maxBytes else {
                    throw EnrolmentError(.tooLarge, "the request is over \(EnrolmentRequest.maxBytes) bytes")
                }
                bytes += buffer.readableBytesView
            }
        } catch let error as EnrolmentError {
            throw error
        } catch {
            throw EnrolmentError(.malformed, "the request body did not arrive within \(bodySeconds) s: \(error)")
        }
        return bytes
    }

    static func json(_ body: [UInt8], status: Int) -> Response { CentreRoutes.response(Reply(status: status, body: body)) }

    static func refused(_ desk: EnrolmentDesk, _ gateway: String, _ error: EnrolmentError) -> Response {
        desk.log(
            "event=enrolment-refused status=\(error.status) gateway=\(LogField.quoted(String(gateway.prefix(80)))) message=\(LogField.quoted(error.message))")
        return json(CanonicalJSON.encode(.object([("error", .string(error.message))])), status: error.status)
    }
}
