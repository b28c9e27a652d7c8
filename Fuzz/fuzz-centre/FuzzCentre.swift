import CentreReceiver
import Custody
import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import FuzzSupport
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The centre's request handling, in process, through the real router and receiver over a
/// real store (no TLS: the certificate's CN is given as the context's gateway).
///
/// The input picks a request: the caller (registered, unknown, none), method, route,
/// camera and sequence text, each header (`Edge-Manifest`, `Edge-Signature`,
/// `Edge-Offset`, `Content-Length`) absent, taken from a manifest or checkpoint signed
/// here (so the deep paths are reached) or fuzz bytes, and the body. Properties: every
/// request is answered, with a status the protocol has; a 200 to a PUT is only ever for
/// bytes the registered key signed for that URL.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    let centre = CentreFuzz.shared
    let built = centre.request(from: &input)
    let status = centre.answer(built.request, gateway: built.gateway)
    expect(CentreFuzz.protocolStatuses.contains(status), "status \(status) is not one the protocol has")
    if status == 200, built.request.method == .put {
        expect(built.signedHere, "a PUT was accepted with bytes the gateway's key did not sign for that URL")
    }
    return 0
}

final class CentreFuzz: @unchecked Sendable {
    // @unchecked: set up once, then only read.
    static let shared = CentreFuzz()
    static let protocolStatuses: Set<Int> = [200, 308, 400, 403, 404, 405, 409, 411, 413, 415, 416, 422, 500, 503]

    struct Signed {
        var route: String
        var json: [UInt8]
        var signature: String
        var camera: String
        var sequence: UInt64?
        var ciphertext: [UInt8]
    }

    let store: ScratchDirectory
    let responder: any HTTPResponder<CentreRequestContext>
    /// Documents signed by the registered key: segments, a gap, checkpoints.
    let signed: [Signed]

    private init() {
        let root = ScratchDirectory("fuzz-centre")
        store = ScratchDirectory("fuzz-centre-store")
        let receiver: SegmentReceiver
        do {
            let key = try DeviceKey.loadOrCreate(stateDirectory: "\(root.path)/state")
            try FileSystem.makeDirectories("\(root.path)/gateways")
            root.write("gateways/site-042.pub", Array(key.publicKey.fileText.utf8))
            let chain = try ManifestChain(
                stateDirectory: "\(root.path)/state", gateway: "site-042", firmwareVersion: "0.1.0", key: key, bootID: "fuzz")
            var made: [Signed] = []
            var wall: Int64 = 1_795_000_000_000_000_000
            var mono: Int64 = 5_000_000_000
            func now() -> TimePoint {
                TimePoint(wall: WallTime(nanosecondsSinceEpoch: wall), monotonic: MonotonicInstant(nanoseconds: mono), clockSynced: true)
            }
            for n in 0..<3 {
                let sequence = try chain.reserveSequence(camera: "cam1")
                let start = now()
                wall += 10_000_000_000
                mono += 10_000_000_000
                let ciphertext = [UInt8](repeating: UInt8(n), count: 300 + n * 700)
                let facts = SegmentFacts(
                    camera: "cam1", file: "\(sequence.zeroPadded(8))-20261129T143301Z.mkv.age", start: start, end: now(),
                    frames: 250, firstFrame: 0, lastFrame: 249, codec: "V_MJPEG", width: 640, height: 480, capture: "MJPG",
                    ciphertextSize: Int64(ciphertext.count), ciphertextSHA256: SHA256.hash(ciphertext), truncated: false,
                    reason: "cut")
                let manifest = try chain.seal(facts, sequence: sequence)
                made.append(Signed(route: "segments", json: manifest.json, signature: manifest.signature, camera: "cam1", sequence: sequence, ciphertext: ciphertext))
                if let head = try chain.checkpoint(camera: "cam1", at: now()) {
                    made.append(Signed(route: "checkpoints", json: head.json, signature: head.signature, camera: "cam1", sequence: nil, ciphertext: []))
                }
            }
            let start = now()
            wall += 1_000_000_000
            mono += 1_000_000_000
            let gap = try chain.recordGap(GapFacts(camera: "cam1", cause: .cameraLost, start: start, end: now(), detail: "unplugged"))
            made.append(Signed(route: "gaps", json: gap.json, signature: gap.signature, camera: "cam1", sequence: gap.sequence, ciphertext: []))
            signed = made
            receiver = SegmentReceiver(
                archive: try FilesystemArchive(root: store.path), keys: GatewayKeys(directory: "\(root.path)/gateways"),
                maxSegmentBytes: 1 << 20, bodyStallTimeout: .seconds(5), log: { _ in })
        } catch {
            fatalError("cannot set up the centre: \(error)")
        }
        responder = CentreRoutes.router(receiver).buildResponder()
    }

    struct Built {
        var request: Request
        var gateway: String?
        var signedHere: Bool
    }

    func request(from input: inout FuzzInput) -> Built {
        let gateway: String? = [Optional("site-042"), "site-042", "site-042", "site-999", nil][input.int(in: 0...4)]
        let method: HTTPRequest.Method = [.head, .put, .put, .put, .get, .post][input.int(in: 0...5)]
        let base = signed[input.int(in: 0...(signed.count - 1))]
        let route = ["segments", "gaps", "checkpoints", base.route, base.route, "identity", "metrics", ""][input.int(in: 0...7)]
        let camera = input.bool() ? base.camera : String(decoding: input.bytes(input.int(in: 0...12)), as: UTF8.self)
        let sequenceText = base.sequence.map(String.init) ?? "1"
        let sequence = input.bool() ? sequenceText : String(decoding: input.bytes(input.int(in: 0...22)), as: UTF8.self)
        let path: String
        switch route {
        case "segments", "gaps": path = "/v1/\(route)/\(camera)/\(sequence)"
        case "checkpoints": path = "/v1/checkpoints/\(camera)"
        case "metrics": path = "/metrics"
        default: path = "/v1/\(route)"
        }
        var headers: HTTPFields = [:]
        /// Sets the header absent, valid or to fuzz text; true when valid.
        func field(_ name: String, valid: String) -> Bool {
            switch input.int(in: 0...3) {
            case 0: return false
            case 1, 2:
                headers[HTTPField.Name(name)!] = valid
                return true
            default:
                let text = String(decoding: input.bytes(input.int(in: 0...60)), as: UTF8.self)
                headers[HTTPField.Name(name)!] = String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F })
                return false
            }
        }
        let manifestValid = field("Edge-Manifest", valid: Base64.encode(base.json, padded: true))
        let signatureValid = field("Edge-Signature", valid: Base64.encode(Array(base.signature.utf8), padded: true))
        let offset = input.int(in: 0...base.ciphertext.count)
        _ = field("Edge-Offset", valid: String(offset))
        var body = base.ciphertext.isEmpty ? base.json : Array(base.ciphertext[offset...])
        if input.bool() { body = input.rest() }
        _ = field("Content-Length", valid: String(body.count))
        let head = HTTPRequest(method: method, scheme: "https", authority: "centre", path: path, headerFields: headers)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body)))
        // Whether the registered key signed what this request asks the centre to keep,
        // for this URL: the manifest headers of a segment (a duplicate is answered 200
        // from them alone), the body of a gap or a checkpoint. The URL as the router sees
        // it: HTTPRequest drops bytes no request line may hold (a fuzzed "1\u{1}\u{0}" is
        // sent as "1"), and the query is not part of it.
        let signedURL = base.sequence.map { "/v1/\(base.route)/\(base.camera)/\($0)" } ?? "/v1/\(base.route)/\(base.camera)"
        let forThisURL = gateway == "site-042" && request.uri.path == signedURL
        let signedHere = forThisURL && signatureValid && (base.route == "segments" ? manifestValid : body == base.json)
        return Built(request: request, gateway: gateway, signedHere: signedHere)
    }

    /// Runs the router on a task and waits for its answer on this thread.
    func answer(_ request: Request, gateway: String?) -> Int {
        guard let done = try? Wakeup() else { fatalError("no eventfd") }
        let status = Mutex(0)
        let responder = self.responder
        Task {
            let code: Int
            do {
                code = try await responder.respond(to: request, context: CentreRequestContext(gateway: gateway)).status.code
            } catch let error as any HTTPResponseError {
                code = error.status.code
            } catch {
                code = 500
            }
            status.withLock { $0 = code }
            done.signal()
        }
        if !done.wait(timeout: .seconds(10)) {
            // Silence can be the host's: a paused machine outlasts any timeout, and on
            // resuming ours may run first. Judge it only once the task pool has been
            // seen running something else, then allow as long again.
            expect(Self.taskPoolRuns(), "the task pool runs nothing for 60 s")
            expect(done.wait(timeout: .seconds(10)), "no answer within 10 s while the task pool runs")
        }
        return status.withLock { $0 }
    }

    /// Whether a trivial task runs within 60 s.
    static func taskPoolRuns() -> Bool {
        guard let ran = try? Wakeup() else { fatalError("no eventfd") }
        Task { ran.signal() }
        return ran.wait(timeout: .seconds(60))
    }
}
