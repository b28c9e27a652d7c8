import Custody
import DeviceIdentity
import EdgeSystem
import TestSupport

/// A gateway in a scratch directory: its state (device key, chain state) and its store
/// (`store/<camera>/` with manifests, signatures and segment files), driven by a clock
/// that tests move by hand.
final class GatewayFixture {
    let root: String
    let state: String
    let store: String
    let key: DeviceKey
    private(set) var chain: ManifestChain
    var wall: Int64 = 1_795_000_000_000_000_000
    var monotonic: Int64 = 5_000_000_000
    var synced = true
    private var random = SeededGenerator(seed: 42)
    static let gateway = "gw-0042"

    init() throws {
        root = try Fixtures.scratchDirectory("custody")
        state = "\(root)/state"
        store = "\(root)/store"
        key = try DeviceKey.loadOrCreate(stateDirectory: state)
        chain = try ManifestChain(stateDirectory: state, gateway: Self.gateway, firmwareVersion: "0.1.0", key: key)
    }

    /// A new chain over the same state, as after a daemon restart; with `boot`, as after
    /// a reboot (the monotonic clock starts again near zero).
    func restart(boot: String? = nil) throws {
        if boot != nil { monotonic = 3_000_000_000 }
        chain = try ManifestChain(
            stateDirectory: state, gateway: Self.gateway, firmwareVersion: "0.1.0", key: key, bootID: boot)
    }

    var now: TimePoint {
        TimePoint(wall: WallTime(nanosecondsSinceEpoch: wall), monotonic: MonotonicInstant(nanoseconds: monotonic), clockSynced: synced)
    }

    func advance(seconds: Int64) {
        wall += seconds * 1_000_000_000
        monotonic += seconds * 1_000_000_000
    }

    /// Facts for a 10 s segment whose "ciphertext" (random bytes) is written to the store.
    func segmentFacts(camera: String, sequence: UInt64, truncated: Bool = false) throws -> SegmentFacts {
        let start = now
        advance(seconds: 10)
        let file = "\(String(sequence + 100_000_000).dropFirst())-seg.mkv.age"
        let bytes = random.bytes(Int.random(in: 100...3000, using: &random))
        try FileSystem.makeDirectories("\(store)/\(camera)")
        try writeFile("\(store)/\(camera)/\(file)", bytes)
        return SegmentFacts(
            camera: camera, file: file, start: start, end: now, frames: 250, firstFrame: sequence * 250,
            lastFrame: sequence * 250 + 249, codec: "V_MJPEG", width: 640, height: 480, capture: "MJPG 640x480 25/1",
            ciphertextSize: Int64(bytes.count), ciphertextSHA256: sha256(bytes), truncated: truncated,
            reason: truncated ? "crash" : "cut")
    }

    /// Records one segment end to end: reserve, write the file, seal, store the manifest.
    @discardableResult
    func segment(camera: String = "cam1", truncated: Bool = false) throws -> SignedManifest {
        let sequence = try chain.reserveSequence(camera: camera)
        return try store(chain.seal(try segmentFacts(camera: camera, sequence: sequence, truncated: truncated), sequence: sequence), camera: camera)
    }

    @discardableResult
    func gap(
        camera: String = "cam1", cause: GapCause = .cameraLost, seconds: Int64 = 30, from: TimePoint? = nil,
        covers: [UInt64] = []
    ) throws -> SignedManifest {
        let start = from ?? now
        advance(seconds: seconds)
        let facts = GapFacts(camera: camera, cause: cause, start: start, end: now, detail: "unplugged", covers: covers)
        return try store(chain.recordGap(facts), camera: camera)
    }

    @discardableResult
    func store(_ manifest: SignedManifest, camera: String) throws -> SignedManifest {
        try FileSystem.makeDirectories("\(store)/\(camera)")
        try writeFile(path(manifest, camera: camera), manifest.json)
        try writeFile(path(manifest, camera: camera) + ".minisig", Array(manifest.signature.utf8))
        return manifest
    }

    /// Writes `camera`'s signed head to `store/.checkpoints/`, as the gateway does after
    /// each manifest.
    @discardableResult
    func checkpoint(camera: String = "cam1") throws -> SignedCheckpoint? {
        guard let signed = try chain.checkpoint(camera: camera, at: now) else { return nil }
        try FileSystem.makeDirectories("\(store)/.checkpoints")
        try writeFile("\(store)/.checkpoints/\(camera).json", signed.json)
        try writeFile("\(store)/.checkpoints/\(camera).json.minisig", Array(signed.signature.utf8))
        return signed
    }

    func path(_ manifest: SignedManifest, camera: String = "cam1") -> String { "\(store)/\(camera)/\(manifest.fileName)" }

    func verify() throws -> ChainReport { try ChainVerifier(publicKey: key.publicKey).verify(directory: store) }
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
    try file.writeAll(bytes)
    try file.close()
}

func sha256(_ bytes: [UInt8]) -> [UInt8] {
    let digest = try? Tool.run("sha256sum", [], stdin: bytes).stdout.prefix(64)
    var out: [UInt8] = []
    var hex = Array((digest ?? "").utf8)
    while hex.count >= 2 {
        out.append(UInt8(String(decoding: hex.prefix(2), as: UTF8.self), radix: 16) ?? 0)
        hex.removeFirst(2)
    }
    return out
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func text(_ path: String) throws -> String { String(decoding: try FileSystem.readFile(path), as: UTF8.self) }
