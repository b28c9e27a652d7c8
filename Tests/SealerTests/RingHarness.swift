import AgeEncryption
import Custody
import DeviceIdentity
import EdgeCore
import EdgeSystem
import Foundation
import FrameSources
import Sealer
import SegmentRing
import Segmenter
import TestSupport
import Testing

/// A gateway recording one camera from a fixture into a sealed ring on a manual clock:
/// a scratch state directory with a device key and a chain, segments sealed to two centre
/// identities (the key pair and its spare).
final class RingHarness {
    static let camera = "cam"
    let time = ManualTime()
    let state: String
    let identities: [AgeIdentity]
    let key: DeviceKey
    let ring: SealedSegmentStore
    /// The ring, counting the Matroska bytes the segmenter hands it.
    let store: CountingStore
    let source: FileSource
    let stop: Wakeup
    private(set) var events: [SegmenterEvent] = []
    private(set) lazy var segmenter = Segmenter(
        camera: Self.camera, store: store, policy: SegmentPolicy(length: length), time: time
    ) { [unowned self] in events.append($0) }
    private let length: Duration

    init(_ fixture: String, _ codec: VideoCodec, length: Duration = .seconds(2), syncInterval: Duration = .seconds(2)) throws {
        state = try Fixtures.scratchDirectory("ring")
        identities = [try AgeIdentity.generate(), try AgeIdentity.generate()]
        key = try DeviceKey.loadOrCreate(stateDirectory: state)
        // The chain gets a key object of its own: it is sent to the ledger's lock.
        let chain = try ManifestChain(
            stateDirectory: state, gateway: "gw-test", firmwareVersion: "0.0.0-test",
            key: try DeviceKey.load(stateDirectory: state), bootID: "boot-1")
        let layout = RingLayout(stateDirectory: state)
        ring = try SealedSegmentStore(
            layout: layout, recipients: identities.map(\.recipient),
            ledger: CustodyLedger(
                chain: chain, publicKey: key.publicKey, checkpoints: layout.checkpoints, time: time, clockSynced: { true }),
            time: time, syncInterval: syncInterval,
            clockSynced: { true })
        store = CountingStore(ring)
        self.length = length
        source = FileSource(path: Fixtures.path(fixture), codec: codec, rate: FrameRate(frames: 25), time: time)
        stop = try Wakeup()
    }

    /// The camera's directory in the ring.
    var directory: String { ring.layout.directory(camera: Self.camera) }

    func start() throws { try segmenter.handle(.streaming(try source.open())) }

    /// Feeds `count` frames, calling `after` once each has been handled.
    func feed(_ count: Int, after: (Frame) throws -> Void = { _ in }) throws {
        for _ in 0..<count {
            let frame = try #require(try source.nextFrame(stop: stop))
            try segmenter.handle(.frame(frame))
            try after(frame)
        }
    }

    /// Records `count` frames of a fresh stream and shuts down.
    func record(_ count: Int) throws {
        try start()
        try feed(count)
        try segmenter.close(.shutdown)
    }

    /// Every manifest in the camera's directory, in sequence order, with its file name.
    func manifests() throws -> [(file: String, manifest: Manifest)] {
        try FileSystem.list(directory).filter { $0.hasSuffix(".json") }.sorted().map { name in
            (name, try ManifestParser.parse(try FileSystem.readFile("\(directory)/\(name)")))
        }
    }

    /// The facts of every sealed segment, in sequence order.
    func segments() throws -> [SegmentFacts] {
        try manifests().compactMap { if case .segment(let facts) = $0.manifest.body { facts } else { nil } }
    }

    func verify() throws -> ChainReport {
        try ChainVerifier(publicKey: key.publicKey).verify(directory: ring.layout.root)
    }

    /// Each identity as an age key file (`age -d -i FILE`), in the state directory.
    func keyFiles() throws -> [String] {
        try identities.enumerated().map { n, identity in
            let path = "\(state)/centre-\(n).key"
            try Fixtures.write(Array(identity.keyFile(created: 1_764_400_000).utf8), to: path)
            return path
        }
    }
}

/// A store that passes everything to another, counting the Matroska bytes of the open
/// segment, so a test can compare them with what reached the disk.
final class CountingStore: SegmentStore {
    private let inner: any SegmentStore
    private(set) var open: CountingOutput?

    init(_ inner: any SegmentStore) { self.inner = inner }

    func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput {
        let output = CountingOutput(try inner.beginSegment(opening))
        open = output
        return output
    }

    func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) throws {
        try inner.recordGap(camera: camera, cause: cause, from: from, to: to, detail: detail)
    }
}

final class CountingOutput: SegmentOutput {
    private let inner: any SegmentOutput
    private(set) var plaintextBytes = 0

    init(_ inner: any SegmentOutput) { self.inner = inner }

    var sequence: UInt64 { inner.sequence }
    var path: String { inner.path }
    /// Where the segment is while it is written.
    var partialPath: String { inner.path + ".partial" }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try inner.write(bytes)
        plaintextBytes += bytes.count
    }

    func flush() throws { try inner.flush() }
    func commit(_ summary: SegmentSummary) throws { try inner.commit(summary) }
    func abandon() { inner.abandon() }
}

/// The age file format, as far as the tests need it.
enum AgeFile {
    static let chunkSize = 64 * 1024
    /// A sealed chunk: the plaintext and its 16-byte Poly1305 tag.
    static let sealedChunkSize = chunkSize + 16

    /// Where the payload's first chunk starts: after the header's `--- MAC` line and the
    /// 16-byte payload nonce; nil while the header is not all there.
    static func payloadOffset(_ bytes: [UInt8]) -> Int? {
        guard let mac = bytes.firstRange(of: Array("\n--- ".utf8)),
            let end = bytes[mac.upperBound...].firstIndex(of: UInt8(ascii: "\n")),
            bytes.count >= end + 1 + 16
        else { return nil }
        return end + 1 + 16
    }
}

extension Array where Element == UInt8 {
    /// Where `needle` first occurs in these bytes (Foundation's search is built optimised;
    /// the files searched are hundreds of KiB, searched after every frame).
    func firstRange(of needle: [UInt8]) -> Range<Int>? {
        Data(self).range(of: Data(needle))
    }
}

/// Decrypts the age file at `path` with our reader.
func decrypt(_ path: String, with identity: AgeIdentity, salvage: Bool = false) throws -> (plaintext: [UInt8], result: AgeDecryptionResult) {
    let file = try FileDescriptor.open(path, O_RDONLY)
    defer { try? file.close() }
    let sink = MemorySink()
    let result = try AgeReader(identities: [identity]).decrypt(fileDescriptor: file.rawValue, to: sink, salvage: salvage)
    return (sink.bytes, result)
}
