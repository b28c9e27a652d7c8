import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// One camera's chain state, `<stateDirectory>/chain/<camera>.json`: the next sequence
/// number to hand out, the reservations not yet sealed, the chain head, where the clocks
/// stood at the last manifest, and the last signed manifest itself (so a store that
/// crashed before writing it can write it again). Small, canonical, replaced atomically.
struct ChainState: Equatable {
    struct ClockMark: Equatable {
        /// `/proc/sys/kernel/random/boot_id`: monotonic readings compare only within a boot.
        var boot: String
        var wallNs: Int64
        var monotonicNs: Int64
        /// Whether the wall clock was synchronised then (absent in older states: false).
        var synced = false
    }

    var next: UInt64 = 1
    var unsealed: [UInt64] = []
    var head: [UInt8]?
    var lastEnd: ClockMark?
    var lastManifest: SignedManifest?

    static func path(directory: String, camera: String) -> String { "\(directory)/\(camera).json" }

    /// The state of `camera`, or a fresh one when the camera has never been sealed.
    static func load(directory: String, camera: String) throws(CustodyError) -> ChainState {
        let path = path(directory: directory, camera: camera)
        guard FileSystem.exists(path) else { return ChainState() }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 20) } catch { throw .storage(error) }
        guard let state = try? decode(bytes) else {
            throw CustodyError(
                .corruptState,
                "\(path) is damaged; it was left as it is, since starting afresh would reuse sequence numbers — "
                    + "restore it from backup, or set \"next\" above the highest sequence the centre holds")
        }
        return state
    }

    /// Writes the state so that it appears whole or not at all: a temporary file, fsync,
    /// rename over the old state, fsync of the directory.
    func save(directory: String, camera: String) throws(CustodyError) {
        let path = Self.path(directory: directory, camera: camera)
        let temporary = "\(path).tmp"
        do throws(SystemError) {
            let file = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
            try file.writeAll(CanonicalJSON.encode(json))
            try file.sync()
            try file.close()
            try FileSystem.rename(temporary, to: path)
            try FileSystem.syncDirectory(directory)
        } catch {
            throw .storage(error)
        }
    }

    var json: JSONValue {
        let mark: JSONValue = lastEnd.map {
            .object([
                ("boot", .string($0.boot)), ("wallNs", .integer($0.wallNs)), ("monotonicNs", .integer($0.monotonicNs)),
                ("synced", .bool($0.synced)),
            ])
        } ?? .null
        let manifest: JSONValue = lastManifest.map {
            .object([
                ("sequence", .number(String($0.sequence))), ("fileName", .string($0.fileName)),
                ("json", .string(String(decoding: $0.json, as: UTF8.self))), ("signature", .string($0.signature)),
            ])
        } ?? .null
        return .object([
            ("version", .integer(1)), ("next", .number(String(next))),
            ("unsealed", .array(unsealed.map { .number(String($0)) })),
            ("head", head.map { .string(Hex.encode($0)) } ?? .null), ("lastEnd", mark), ("lastManifest", manifest),
        ])
    }

    private struct Damaged: Error {}

    private static func decode(_ bytes: [UInt8]) throws -> ChainState {
        let value = try JSONParser.parse(bytes)
        func unsigned(_ v: JSONValue?) throws -> UInt64 {
            guard case .number(let text)? = v, let n = UInt64(text) else { throw Damaged() }
            return n
        }
        func signed(_ v: JSONValue?) throws -> Int64 {
            guard case .number(let text)? = v, let n = Int64(text) else { throw Damaged() }
            return n
        }
        func string(_ v: JSONValue?) throws -> String {
            guard case .string(let s)? = v else { throw Damaged() }
            return s
        }
        guard try unsigned(value["version"]) == 1, case .array(let unsealed)? = value["unsealed"] else { throw Damaged() }
        var state = ChainState(next: try unsigned(value["next"]), unsealed: try unsealed.map(unsigned))
        if value["head"] != .null {
            guard let head = Hex.decode(try string(value["head"])), head.count == 32 else { throw Damaged() }
            state.head = head
        }
        if let mark = value["lastEnd"], mark != .null {
            state.lastEnd = ClockMark(
                boot: try string(mark["boot"]), wallNs: try signed(mark["wallNs"]), monotonicNs: try signed(mark["monotonicNs"]),
                synced: mark["synced"] == .bool(true))
        }
        if let last = value["lastManifest"], last != .null {
            let json = Array(try string(last["json"]).utf8)
            state.lastManifest = SignedManifest(
                sequence: try unsigned(last["sequence"]), json: json, signature: try string(last["signature"]),
                sha256: SHA256.hash(json), fileName: try string(last["fileName"]))
        }
        return state
    }
}

