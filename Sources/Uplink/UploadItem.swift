/// One thing to deliver: a sealed segment with its manifest, a gap manifest, or a
/// camera's signed checkpoint (the chain's head; `stem` is the camera, `sequence` 0).
public struct UploadItem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case segment, gap, checkpoint }

    public var camera: String
    public var sequence: UInt64
    public var kind: Kind
    /// `00000042-20261129T143301Z`, or `00000043-gap`.
    public var stem: String

    public init(camera: String, sequence: UInt64, kind: Kind, stem: String) {
        self.camera = camera
        self.sequence = sequence
        self.kind = kind
        self.stem = stem
    }

    public var description: String { kind == .checkpoint ? "\(camera)/checkpoint" : "\(camera)/\(stem)" }

    /// The resource's path on the centre (PROTOCOL.md).
    var path: String {
        switch kind {
        case .segment: "/v1/segments/\(Self.escape(camera))/\(sequence)"
        case .gap: "/v1/gaps/\(Self.escape(camera))/\(sequence)"
        case .checkpoint: "/v1/checkpoints/\(Self.escape(camera))"
        }
    }

    /// Percent-encodes all but RFC 3986's unreserved characters.
    static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// The priority class an item is in when picked.
public enum UploadClass: Sendable, Equatable {
    /// Covered by an evidence hold: first, oldest first.
    case held
    /// Among a camera's `liveDepth` newest: newest first.
    case live
    /// Older unsent: oldest first, never starving live.
    case backfill
}
