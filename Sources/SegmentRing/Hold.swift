import EdgeJSON
import EdgeSystem

/// Evidence on hold: segments `from…to` of a camera are never evicted while the hold
/// stands. A hold is a small file in `<state>/holds/`, written whole (fsync, rename) and
/// removed to release it, so it survives crashes and `edgectl` can place one with the
/// daemon down.
public struct Hold: Sendable, Equatable {
    public var camera: String
    public var from: UInt64
    public var to: UInt64
    public var reason: String
    /// Who asked (a name, or uid and pid).
    public var by: String
    public var at: WallTime

    public init(camera: String, from: UInt64, to: UInt64, reason: String, by: String, at: WallTime) {
        self.camera = camera
        self.from = from
        self.to = to
        self.reason = reason
        self.by = by
        self.at = at
    }

    public var fileName: String { "\(camera)-\(from)-\(to).json" }
    public func covers(camera c: String, sequence: UInt64) -> Bool { c == camera && (from...to).contains(sequence) }

    var json: [UInt8] {
        CanonicalJSON.encode(.object([
            ("camera", .string(camera)), ("from", .number(String(from))), ("to", .number(String(to))),
            ("reason", .string(reason)), ("by", .string(by)), ("atNs", .integer(at.nanosecondsSinceEpoch)),
        ]))
    }

    init?(json bytes: [UInt8]) {
        guard let v = try? JSONParser.parse(bytes), case .string(let camera)? = v["camera"],
              case .number(let from)? = v["from"], case .number(let to)? = v["to"],
              case .string(let reason)? = v["reason"], case .string(let by)? = v["by"], case .number(let at)? = v["atNs"],
              let f = UInt64(from), let t = UInt64(to), let ns = Int64(at), f <= t
        else { return nil }
        self.init(camera: camera, from: f, to: t, reason: reason, by: by, at: WallTime(nanosecondsSinceEpoch: ns))
    }
}

/// The holds directory.
public struct HoldBook: Sendable {
    public let directory: String
    public init(stateDirectory: String) { directory = stateDirectory + "/holds" }

    /// Every readable hold. A damaged hold file is kept (and counts as nothing held) so a
    /// person can look at it; it never makes evidence evictable by being misread as a
    /// different range.
    public func all() -> [Hold] {
        guard let names = try? FileSystem.list(directory) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            (try? FileSystem.readFile("\(directory)/\(name)", limit: 64 << 10)).flatMap(Hold.init(json:))
        }
    }

    public func place(_ hold: Hold) throws {
        try FileSystem.makeDirectories(directory, mode: 0o750)
        try FileSystem.writeAtomically(hold.json, to: "\(directory)/\(hold.fileName)")
        try FileSystem.syncDirectory(directory)
    }

    /// Releases every hold of `camera` that covers `sequence`; returns how many.
    @discardableResult
    public func release(camera: String, sequence: UInt64) throws -> Int {
        let matching = all().filter { $0.covers(camera: camera, sequence: sequence) }
        for hold in matching { try FileSystem.remove("\(directory)/\(hold.fileName)") }
        if !matching.isEmpty { try FileSystem.syncDirectory(directory) }
        return matching.count
    }
}
