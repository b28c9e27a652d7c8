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

    public init(chain: sending ManifestChain, publicKey: MinisignPublicKey) {
        self.chain = Mutex(chain)
        self.publicKey = publicKey
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
