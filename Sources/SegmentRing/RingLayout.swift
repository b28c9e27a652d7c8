import EdgeSystem

/// Where the ring keeps things, and how they are named. The directory is the index:
/// `<state>/ring/<camera>/<sequence>-<start>.<kind>` with the sequence zero-padded to 8
/// digits, so a listing sorts in chain order. The start time is only for people;
/// nothing is ordered by it.
///
/// | file | what |
/// |---|---|
/// | `00000042-20261129T143301Z.mkv.age` | the sealed segment |
/// | `00000042-20261129T143301Z.json` | its manifest (canonical JSON) |
/// | `00000042-20261129T143301Z.json.minisig` | the manifest's signature |
/// | `00000043-gap.json` (+ `.minisig`) | a gap in the chain |
/// | `00000042-20261129T143301Z.ack-centre` | destination `centre` acknowledged it (empty) |
/// | `00000044-20261129T143321Z.open` | facts of the open segment, for recovery |
/// | `*.partial` | being written; never a finished file |
/// | `.running` (in `ring/`) | a run is in progress; gone after a clean stop |
/// | `.checkpoints/<camera>.json` (in `ring/`) | the camera's signed head, with its `.minisig` |
public struct RingLayout: Sendable {
    public let root: String

    public init(stateDirectory: String) { root = stateDirectory + "/ring" }

    public func directory(camera: String) -> String { root + "/" + camera }

    /// `ring/.checkpoints/`: each camera's signed head, `<camera>.json` and its `.minisig`.
    public var checkpoints: String { root + "/.checkpoints" }

    /// `00000042-20261129T143301Z`
    public static func stem(sequence: UInt64, start: WallTime) -> String {
        sequence.zeroPadded(8) + "-" + start.compactUTC
    }

    /// The sequence number a ring file's name starts with.
    public static func sequence(ofName name: String) -> UInt64? {
        guard let dash = name.firstIndex(of: "-"), name.distance(from: name.startIndex, to: dash) == 8 else { return nil }
        return UInt64(name[..<dash])
    }

}
