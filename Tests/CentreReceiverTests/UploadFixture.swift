import COpenSSL
import CentreReceiver
import Custody
import DeviceIdentity
import EdgeSystem
import Foundation
import Hummingbird
import NIOCore
import TestSupport

/// A gateway's chain made with the real libraries (device key, `ManifestChain`) over random
/// "ciphertext", and a centre receiver over a scratch store that knows the gateway's key.
final class UploadFixture {
    let root: String
    let store: String
    let gateways: String
    let key: DeviceKey
    var chain: ManifestChain
    let gateway: String
    let receiver: SegmentReceiver
    let events = EventLog()
    var wall: Int64 = 1_795_000_000_000_000_000
    var monotonic: Int64 = 5_000_000_000
    private var random = SeededGenerator(seed: 7)

    init(gateway: String = "site-042", maxSegmentBytes: Int64 = 1 << 30, bodyStallTimeout: Duration = .seconds(60)) throws {
        self.gateway = gateway
        root = try Fixtures.scratchDirectory("centre-receiver")
        store = "\(root)/store"
        gateways = "\(root)/gateways"
        try FileSystem.makeDirectories(gateways)
        key = try DeviceKey.loadOrCreate(stateDirectory: "\(root)/state")
        chain = try ManifestChain(stateDirectory: "\(root)/state", gateway: gateway, firmwareVersion: "0.1.0", key: key, bootID: "b")
        try Fixtures.write(Array(key.publicKey.fileText.utf8), to: "\(gateways)/\(gateway).pub")
        let events = self.events
        receiver = SegmentReceiver(
            archive: try FilesystemArchive(root: store), keys: GatewayKeys(directory: gateways),
            maxSegmentBytes: maxSegmentBytes, bodyStallTimeout: bodyStallTimeout, log: { events.append($0) })
    }

    /// A second chain for the same gateway and key, in its own state: it hands out the
    /// same sequence numbers for different manifests (what a conflict looks like).
    func forkedChain() throws -> ManifestChain {
        try ManifestChain(stateDirectory: "\(root)/fork-\(UUID().uuidString.prefix(6))", gateway: gateway, firmwareVersion: "0.1.0", key: key, bootID: "b")
    }

    var now: TimePoint {
        TimePoint(wall: WallTime(nanosecondsSinceEpoch: wall), monotonic: MonotonicInstant(nanoseconds: monotonic), clockSynced: true)
    }

    func advance(_ seconds: Int64) {
        wall += seconds * 1_000_000_000
        monotonic += seconds * 1_000_000_000
    }

    struct Sealed {
        var manifest: SignedManifest
        var ciphertext: [UInt8]
        var camera: String
    }

    /// Seals one segment of random ciphertext in `chain` (default: the fixture's own).
    @discardableResult
    func segment(camera: String = "cam1", size: Int = 5000, in other: ManifestChain? = nil) throws -> Sealed {
        let chain = other ?? self.chain
        let sequence = try chain.reserveSequence(camera: camera)
        let start = now
        advance(10)
        let bytes = random.bytes(size)
        let file = "\(String(sequence + 100_000_000).dropFirst())-\(start.wall.nanosecondsSinceEpoch / 1_000_000_000).mkv.age"
        let facts = SegmentFacts(
            camera: camera, file: file, start: start, end: now, frames: 250, firstFrame: sequence * 250,
            lastFrame: sequence * 250 + 249, codec: "V_MJPEG", width: 640, height: 480, capture: "MJPG 640x480 25/1",
            ciphertextSize: Int64(bytes.count), ciphertextSHA256: SHA256Test.hash(bytes), truncated: false, reason: "cut")
        return Sealed(manifest: try chain.seal(facts, sequence: sequence), ciphertext: bytes, camera: camera)
    }

    func gap(camera: String = "cam1") throws -> SignedManifest {
        let start = now
        advance(30)
        return try chain.recordGap(GapFacts(camera: camera, cause: .cameraLost, start: start, end: now, detail: "unplugged"))
    }

    func key(_ sealed: Sealed, gateway: String? = nil) -> SegmentKey {
        SegmentKey(gateway: gateway ?? self.gateway, camera: sealed.camera, sequence: sealed.manifest.sequence)
    }

    func headers(_ sealed: Sealed, offset: Int64 = 0, length: Int? = nil) -> SegmentReceiver.SegmentHeaders {
        SegmentReceiver.SegmentHeaders(
            manifest: Data(sealed.manifest.json).base64EncodedString(),
            signature: Data(sealed.manifest.signature.utf8).base64EncodedString(), offset: String(offset),
            contentLength: String(length ?? (sealed.ciphertext.count - Int(offset))))
    }

    /// PUTs bytes `offset...` of the segment (or `body` instead) in one go.
    func put(_ sealed: Sealed, offset: Int64 = 0, body: [UInt8]? = nil, gateway: String? = nil) async -> Reply {
        let bytes = body ?? Array(sealed.ciphertext[Int(offset)...])
        return await receiver.putSegment(
            key(sealed, gateway: gateway), headers: headers(sealed, offset: offset, length: bytes.count),
            body: Chunks(bytes))
    }
}

/// SHA-256 for test data, with libcrypto as the libraries use it.
enum SHA256Test {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(bytes.isEmpty ? [0] : bytes, bytes.count, &out, &length, EVP_sha256(), nil)
        return out
    }
}

/// A request body in 1000-byte pieces, optionally failing after `failAfter` bytes (a cut
/// connection).
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    var failAfter: Int?

    init(_ bytes: [UInt8], failAfter: Int? = nil) {
        self.bytes = bytes
        self.failAfter = failAfter
    }

    struct Cut: Error {}

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let failAfter: Int?
        var position = 0

        mutating func next() async throws -> ByteBuffer? {
            if let failAfter, position >= failAfter { throw Cut() }
            guard position < bytes.count else { return nil }
            let end = Swift.min(bytes.count, position + 1000, failAfter ?? .max)
            defer { position = end }
            return ByteBuffer(bytes: bytes[position..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, failAfter: failAfter) }
}

/// The receiver's event lines, as a test reads them.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
