import Custody
import DeviceIdentity
import EdgeSystem
import Synchronization

/// The daemon's one `ManifestChain`, shared by every camera's store. The chain is not
/// thread-safe and each camera records on a thread of its own, so every use goes
/// through this lock; each call is a few small fsynced files, never a segment's worth.
public final class CustodyLedger: Sendable {
    private let chain: Mutex<ManifestChain>
    public let publicKey: MinisignPublicKey
    /// Where each camera's signed head goes after every manifest (`.checkpoints/`), or nil.
    private let checkpoints: String?
    private let time: any TimeSource
    private let clockSynced: @Sendable () -> Bool

    public init(
        chain: sending ManifestChain, publicKey: MinisignPublicKey, checkpoints: String? = nil,
        time: any TimeSource = SystemTime(), clockSynced: @escaping @Sendable () -> Bool = ClockStatus.isSynchronised
    ) {
        self.chain = Mutex(chain)
        self.publicKey = publicKey
        self.checkpoints = checkpoints
        self.time = time
        self.clockSynced = clockSynced
    }

    /// Writes a manifest and its signature under the chain's name for it in `directory`,
    /// then the camera's checkpoint naming it: a checkpoint never names a manifest that
    /// is not on disk. The caller fsyncs `directory` (once for a batch).
    public func write(_ manifest: SignedManifest, camera: String, in directory: String) throws {
        try FileSystem.writeAtomically(manifest.json, to: "\(directory)/\(manifest.fileName)")
        try FileSystem.writeAtomically(Array(manifest.signature.utf8), to: "\(directory)/\(manifest.fileName).minisig")
        try writeCheckpoint(camera: camera, afterSyncing: directory)
    }

    /// The camera's signed head, written atomically to `.checkpoints/<camera>.json` after
    /// `directory` (where its manifests are) was fsynced.
    public func writeCheckpoint(camera: String, afterSyncing directory: String) throws {
        guard let checkpoints else { return }
        let now = TimePoint(wall: time.wallNow(), monotonic: time.monotonicNow(), clockSynced: clockSynced())
        guard let signed = try chain.withLock({ try $0.checkpoint(camera: camera, at: now) }) else { return }
        try FileSystem.syncDirectory(directory)
        try FileSystem.makeDirectories(checkpoints, mode: 0o750)
        try FileSystem.writeAtomically(signed.json, to: "\(checkpoints)/\(camera).json")
        try FileSystem.writeAtomically(Array(signed.signature.utf8), to: "\(checkpoints)/\(camera).json.minisig")
        try FileSystem.syncDirectory(checkpoints)
    }

    /// The boot this chain writes into the time points it reads now.
    public var boot: String { chain.withLock { $0.boot } }

    /// Where `camera`'s chain ended (its last manifest's end, with that boot).
    public func lastEnd(camera: String) -> TimePoint? {
        chain.withLock { $0.lastEnd(camera: camera) }
    }

    func reserveSequence(camera: String) throws -> UInt64 {
        try chain.withLock { try $0.reserveSequence(camera: camera) }
    }

    func seal(_ facts: SegmentFacts, sequence: UInt64) throws -> SignedManifest {
        try chain.withLock { try $0.seal(facts, sequence: sequence) }
    }

    func recordGap(_ gap: GapFacts) throws -> SignedManifest {
        try chain.withLock { try $0.recordGap(gap) }
    }

    func recordGap(_ gap: GapFacts, sequence: UInt64) throws -> SignedManifest {
        try chain.withLock { try $0.recordGap(gap, sequence: sequence) }
    }

    func unsealedReservations(camera: String) -> [UInt64] {
        chain.withLock { $0.unsealedReservations(camera: camera) }
    }

    func lastSealed(camera: String) throws -> SignedManifest? {
        try chain.withLock { try $0.lastSealed(camera: camera) }
    }
}
