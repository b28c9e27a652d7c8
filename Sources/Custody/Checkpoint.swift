import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// A signed head of one camera's chain: "the last manifest sealed for this camera was
/// sequence N, with SHA-256 H, as of T". Kept in the ring (`.checkpoints/<camera>.json`)
/// and sent to the centre, which keeps the highest one it has seen. Deleting the newest
/// manifests, or a whole camera, then shows: the checkpoint names what must be there.
/// MANIFEST.md, "Checkpoints", is the format.
public struct Checkpoint: Sendable, Equatable {
    public static let version = 1

    public var gateway: String
    public var camera: String
    /// The sequence of the chain's head (the manifest sealed last) and its SHA-256.
    public var sequence: UInt64
    public var sha256: [UInt8]
    /// When the checkpoint was made.
    public var at: TimePoint

    public init(gateway: String, camera: String, sequence: UInt64, sha256: [UInt8], at: TimePoint) {
        self.gateway = gateway
        self.camera = camera
        self.sequence = sequence
        self.sha256 = sha256
        self.at = at
    }

    public var json: JSONValue {
        .object([
            ("version", .integer(Int64(Self.version))), ("kind", .string("checkpoint")), ("gateway", .string(gateway)),
            ("camera", .string(camera)), ("sequence", .number(String(sequence))), ("sha256", .string(Hex.encode(sha256))),
            ("at", Manifest.json(at, version: 2)),
        ])
    }

    public var canonicalJSON: [UInt8] { CanonicalJSON.encode(json) }

    /// The trusted comment of a checkpoint's signature; `sha256` is the checkpoint's own
    /// bytes' hash.
    public static func trustedComment(gateway: String, camera: String, sequence: UInt64, sha256: [UInt8]) -> String {
        "edge-recorder checkpoint gateway=\(gateway) camera=\(camera) sequence=\(sequence) sha256=\(Hex.encode(sha256))"
    }

    /// Reads a checkpoint strictly (every field, nothing else, canonical form).
    public static func parse(_ bytes: [UInt8]) throws(ManifestError) -> Checkpoint {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ManifestError(field: "(document)", "not JSON: \(error)") }
        guard case .object(let members) = value else { throw ManifestError(field: "(document)", "expected an object") }
        let allowed = ["version", "kind", "gateway", "camera", "sequence", "sha256", "at"]
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw ManifestError(field: unknown.key, "unknown field")
        }
        func string(_ key: String) throws(ManifestError) -> String {
            guard case .string(let s)? = value[key] else { throw ManifestError(field: key, "expected a string") }
            return s
        }
        guard value["version"] == .number("1"), value["kind"] == .string("checkpoint") else {
            throw ManifestError(field: "version", "expected version 1 of kind checkpoint")
        }
        let gateway = try string("gateway"), camera = try string("camera")
        guard PlainName.isValid(gateway), PlainName.isValid(camera) else {
            throw ManifestError(field: "camera", "gateway and camera must be ids: \(PlainName.rule())")
        }
        guard case .number(let text)? = value["sequence"], let sequence = UInt64(plainDecimal: text), sequence >= 1 else {
            throw ManifestError(field: "sequence", "expected a sequence number ≥ 1")
        }
        guard let sha256 = Hex.decode(try string("sha256")), sha256.count == 32 else {
            throw ManifestError(field: "sha256", "expected 64 lowercase hex digits")
        }
        guard case .object(let atMembers)? = value["at"], atMembers.count == 4,
            case .string(let wallText)? = value["at"]?["wall"], let wall = WallTime(rfc3339: wallText),
            case .number(let monoText)? = value["at"]?["monotonicNs"], let mono = Int64(monoText),
            case .bool(let synced)? = value["at"]?["clockSynced"], case .string(let boot)? = value["at"]?["boot"]
        else { throw ManifestError(field: "at", "expected a time point {wall, monotonicNs, clockSynced, boot}") }
        let checkpoint = Checkpoint(
            gateway: gateway, camera: camera, sequence: sequence, sha256: sha256,
            at: TimePoint(wall: wall, monotonic: MonotonicInstant(nanoseconds: mono), clockSynced: synced, boot: boot))
        guard checkpoint.canonicalJSON == bytes else { throw ManifestError(field: "(document)", "not in canonical form") }
        return checkpoint
    }
}

/// A checkpoint's canonical bytes and the `.minisig` over them.
public struct SignedCheckpoint: Sendable, Equatable {
    public var checkpoint: Checkpoint
    public var json: [UInt8]
    public var signature: String
}

extension ManifestChain {
    /// The signed head of `camera`'s chain now; nil before its first manifest.
    public func checkpoint(camera: String, at: TimePoint) throws -> SignedCheckpoint? {
        guard let head = try lastSealed(camera: camera) else { return nil }
        var point = at
        if point.boot == nil { point.boot = boot }
        let checkpoint = Checkpoint(gateway: gateway, camera: camera, sequence: head.sequence, sha256: head.sha256, at: point)
        let json = checkpoint.canonicalJSON
        let comment = Checkpoint.trustedComment(
            gateway: gateway, camera: camera, sequence: head.sequence, sha256: SHA256.hash(json))
        return SignedCheckpoint(checkpoint: checkpoint, json: json, signature: try sign(json, trustedComment: comment))
    }
}
