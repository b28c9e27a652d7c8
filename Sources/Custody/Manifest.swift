import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// A manifest as a value: what `ManifestChain` seals and `ManifestParser` reads back.
/// The format is in MANIFEST.md; `canonicalJSON` is the only spelling that is signed.
public struct Manifest: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// The segment's facts; its `camera`, `start` and `end` repeat the manifest's.
        case segment(SegmentFacts)
        case gap(GapFacts)
    }

    /// The version written today. Readers take versions 1 and 2 (MANIFEST.md says what
    /// each holds); a manifest is re-encoded in its own version's canonical form.
    public static let currentVersion = 2
    public static let readableVersions = 1...2

    public var version: Int
    public var gateway: String
    public var camera: String
    public var sequence: UInt64
    /// SHA-256 of the canonical bytes of the manifest sealed before this one in the
    /// camera's chain; nil for the first.
    public var previous: [UInt8]?
    public var firmware: String
    public var start: TimePoint
    public var end: TimePoint
    /// How far the wall clock moved against the monotonic clock since the previous
    /// manifest (ns, signed), when that exceeds one second.
    public var clockStep: Int64?
    public var body: Body

    public init(
        version: Int = Manifest.currentVersion, gateway: String, camera: String, sequence: UInt64, previous: [UInt8]?,
        firmware: String, start: TimePoint, end: TimePoint, clockStep: Int64?, body: Body
    ) {
        self.version = version
        self.gateway = gateway
        self.camera = camera
        self.sequence = sequence
        self.previous = previous
        self.firmware = firmware
        self.start = start
        self.end = end
        self.clockStep = clockStep
        self.body = body
    }

    /// Monotonic end − start, in nanoseconds; nil when start and end belong to different
    /// boots (version 2), whose monotonic readings do not compare.
    public var durationNs: Int64? {
        if version >= 2, start.boot != end.boot { return nil }
        return end.monotonic.nanoseconds &- start.monotonic.nanoseconds
    }

    public var kind: String {
        if case .gap = body { "gap" } else { "segment" }
    }

    /// The trusted comment the device key signs with, binding the identity fields.
    public static func trustedComment(gateway: String, camera: String, sequence: UInt64, sha256: [UInt8]) -> String {
        "edge-recorder manifest gateway=\(gateway) camera=\(camera) sequence=\(sequence) sha256=\(Hex.encode(sha256))"
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("version", .integer(Int64(version))), ("kind", .string(kind)),
            ("gateway", .string(gateway)), ("camera", .string(camera)),
            ("sequence", .number(String(sequence))),
            ("previous", previous.map { .string(Hex.encode($0)) } ?? .null),
            ("firmware", .string(firmware)), ("start", Self.json(start, version: version)),
            ("end", Self.json(end, version: version)),
            ("durationNs", durationNs.map { .integer($0) } ?? .null),
        ]
        if let clockStep { members.append(("clockStep", .integer(clockStep))) }
        func count<T: BinaryInteger>(_ n: T?) -> JSONValue { n.map { .number(String($0)) } ?? .null }
        switch body {
        case .segment(let s):
            members += [
                ("file", .string(s.file)), ("frames", count(s.frames)), ("firstFrame", count(s.firstFrame)),
                ("lastFrame", count(s.lastFrame)), ("codec", s.codec.map { .string($0) } ?? .null), ("width", .integer(Int64(s.width))),
                ("height", .integer(Int64(s.height))), ("capture", .string(s.capture)),
                ("ciphertext", .object([("size", .integer(s.ciphertextSize)), ("sha256", .string(Hex.encode(s.ciphertextSHA256)))])),
                ("truncated", .bool(s.truncated)), ("reason", .string(s.reason)),
            ]
        case .gap(let g):
            members += [("cause", .string(g.cause.rawValue)), ("detail", .string(g.detail))]
            if !g.covers.isEmpty { members.append(("covers", .array(g.covers.map { .number(String($0)) }))) }
        }
        return .object(members)
    }

    public var canonicalJSON: [UInt8] { CanonicalJSON.encode(json) }

    /// A time point as `version` writes it (version 2 adds the boot).
    static func json(_ point: TimePoint, version: Int = Manifest.currentVersion) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("wall", .string(point.wall.rfc3339)), ("monotonicNs", .integer(point.monotonic.nanoseconds)),
            ("clockSynced", .bool(point.clockSynced)),
        ]
        if version >= 2 { members.append(("boot", .string(point.boot ?? ""))) }
        return .object(members)
    }
}
