import Custody

/// Which upload a request is about: the gateway comes from the client certificate, the
/// camera and sequence from the URL (and must match the signed manifest).
public struct SegmentKey: Hashable, Sendable, CustomStringConvertible {
    public var gateway: String
    public var camera: String
    public var sequence: UInt64

    public init(gateway: String, camera: String, sequence: UInt64) {
        self.gateway = gateway
        self.camera = camera
        self.sequence = sequence
    }

    public var description: String { "\(gateway)/\(camera)/\(sequence)" }
}

/// A manifest the receiver checked (parsed, canonical, signed by the gateway's key) and is
/// about to store, or read back from the archive.
public struct CheckedManifest: Sendable {
    public var manifest: Manifest
    /// The canonical bytes, stored exactly.
    public var json: [UInt8]
    /// The `.minisig` file text (empty when read back and not needed).
    public var signature: String
    public var sha256: [UInt8]

    public init(manifest: Manifest, json: [UInt8], signature: String, sha256: [UInt8]) {
        self.manifest = manifest
        self.json = json
        self.signature = signature
        self.sha256 = sha256
    }
}

/// The bytes of one unfinished segment upload, appended in order. One request owns it at a
/// time (the receiver serialises requests per key).
public protocol PartialUpload: AnyObject, Sendable {
    /// Bytes held so far (durable only after `sync`).
    var length: Int64 { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes everything appended durable.
    func sync() throws
    func close() throws
}

/// Where the centre keeps evidence. Every method is blocking I/O: the receiver calls
/// them off the cooperative pool. A method returns only once its effect is durable.
///
/// The filesystem implementation lays the store out as `edge-centre verify` reads it; an
/// object store (S3) can implement the same calls (partials as multipart uploads).
public protocol SegmentArchive: Sendable {
    /// The manifest stored for `key` (segment or gap), or nil when nothing is complete.
    func stored(_ key: SegmentKey) throws -> CheckedManifest?
    /// Bytes of an unfinished segment upload held durably (0 when none).
    func partialLength(_ key: SegmentKey) throws -> Int64
    /// Opens the unfinished upload of `key` for appending at its end (creating it empty).
    func openPartial(_ key: SegmentKey) throws -> any PartialUpload
    /// Size and SHA-256 of the unfinished upload, read back from storage.
    func partialDigest(_ key: SegmentKey) throws -> (size: Int64, sha256: [UInt8])
    func discardPartial(_ key: SegmentKey) throws
    /// Turns the finished partial into the stored segment with its manifest and signature.
    func completeSegment(_ key: SegmentKey, manifest: CheckedManifest) throws
    func storeGap(_ key: SegmentKey, manifest: CheckedManifest) throws
    /// Whether any manifest stored for the key's gateway and camera hashes to `sha256`
    /// (the rare path of the chain check: may read every manifest of the camera).
    func containsManifest(_ key: SegmentKey, sha256: [UInt8]) throws -> Bool
    /// The checkpoint kept for a gateway's camera (the highest seen), or nil.
    func checkpoint(gateway: String, camera: String) throws -> StoredCheckpoint?
    /// Keeps `checkpoint` in place of the one before (atomically, durably).
    func storeCheckpoint(_ checkpoint: StoredCheckpoint) throws
}

/// A checkpoint the receiver checked (signed by the gateway's key, for the camera of
/// the URL), with its exact bytes and signature text.
public struct StoredCheckpoint: Sendable {
    public var checkpoint: Checkpoint
    public var json: [UInt8]
    public var signature: String

    public init(checkpoint: Checkpoint, json: [UInt8], signature: String) {
        self.checkpoint = checkpoint
        self.json = json
        self.signature = signature
    }
}
