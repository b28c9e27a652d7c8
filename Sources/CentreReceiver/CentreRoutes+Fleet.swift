import EdgeCrypto
import EdgeJSON
import EdgeSystem
import HTTPTypes
import Hummingbird
import NIOCore

/// The routes of updates (PROTOCOL.md, "Desired state, releases and reports"): what a
/// gateway should run, the release archives (resumable with `Range`), and its reports.
extension CentreRoutes {
    static func addFleet(_ router: Router<CentreRequestContext>, _ receiver: SegmentReceiver, _ fleet: FleetStore?) {
        router.get("/v1/desired") { request, context in
            let gateway = try await registeredGateway(context, receiver)
            let store = try fleetOrRefuse(fleet, receiver)
            let published: [UInt8]?
            do { published = try store.desired(for: gateway) } catch {
                throw refuse(receiver, Refusal(500, "fault", "cannot read the desired state: \(error)"))
            }
            guard let bytes = published else {
                throw refuse(receiver, Refusal(404, "nothing-published", "nothing is published for \(gateway)"))
            }
            let etag = "\"\(Hex.encode(SHA256.hash(bytes)))\""
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .eTag: etag],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/v1/releases/:sha256") { request, context in
            _ = try await registeredGateway(context, receiver)
            let store = try fleetOrRefuse(fleet, receiver)
            let hex = context.parameters.get("sha256") ?? ""
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw refuse(receiver, .malformed("a release is named by its SHA-256: 64 lower-case hex digits"))
            }
            let path = store.releasePath(sha256: hex)
            guard let size = try? FileSystem.size(path), size > 0 else {
                throw refuse(receiver, Refusal(404, "unknown-release", "no release \(hex) is published"))
            }
            var headers: HTTPFields = [.contentType: "application/x-tar", .acceptRanges: "bytes"]
            guard let from = request.headers[.range].flatMap(Self.openRange) else {
                headers[.contentLength] = String(size)
                return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context))
            }
            guard from < size else {
                headers[.contentRange] = "bytes */\(size)"
                headers[.contentType] = "application/json"
                let body = CanonicalJSON.encode(.object([("error", .string("the release is \(size) bytes; the range starts at \(from)"))]))
                return Response(status: .rangeNotSatisfiable, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            headers[.contentRange] = "bytes \(from)-\(size - 1)/\(size)"
            headers[.contentLength] = String(size - from)
            let body = try await FileIO().loadFile(path: path, range: Int(from)...Int(size - 1), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
        router.put("/v1/report") { request, context in
            let gateway = try await registeredGateway(context, receiver)
            let store = try fleetOrRefuse(fleet, receiver)
            guard request.headers[.contentType]?.split(separator: ";").first.map({ $0.filter { $0 != " " } }) == "application/json" else {
                throw refuse(receiver, Refusal(415, "media-type", "a report is application/json"))
            }
            if let length = request.headers[.contentLength] {
                guard let declared = Int64(plainDecimal: length) else { throw refuse(receiver, .malformed("Content-Length must be plain digits")) }
                guard declared <= FleetStore.maxReportBytes else {
                    throw refuse(receiver, Refusal(413, "too-large", "a report is at most \(FleetStore.maxReportBytes) bytes; this one says \(declared)"))
                }
            }
            var bytes: [UInt8] = []
            for try await buffer in request.body {
                guard bytes.count + buffer.readableBytes <= FleetStore.maxReportBytes else {
                    throw refuse(receiver, Refusal(413, "too-large", "a report is at most \(FleetStore.maxReportBytes) bytes"))
                }
                bytes += buffer.readableBytesView
            }
            do throws(Refusal) { try store.storeReport(gateway: gateway, bytes: bytes, at: SystemTime().wallNow()) } catch {
                throw refuse(receiver, error)
            }
            receiver.log("event=reported gateway=\(gateway)")
            for line in store.advance(after: gateway) { receiver.log(line) }
            return response(Reply(status: 200, body: CanonicalJSON.encode(.object([("status", .string("stored"))]))))
        }
    }

    /// `bytes=N-`, the one form a gateway sends; nil for any other (answered whole, as
    /// RFC 9110 allows a server to ignore a range).
    static func openRange(_ text: String) -> Int64? {
        guard text.hasPrefix("bytes="), text.hasSuffix("-") else { return nil }
        return Int64(plainDecimal: text.dropFirst(6).dropLast())
    }

    static func fleetOrRefuse(_ fleet: FleetStore?, _ receiver: SegmentReceiver) throws -> FleetStore {
        guard let fleet else {
            throw refuse(receiver, Refusal(404, "no-fleet", "this centre publishes no updates (edge-centre serve --fleet DIR)"))
        }
        return fleet
    }
}
