import DeviceIdentity
import EdgeJSON
import EdgeSystem

/// The registered gateways: `<directory>/<gateway>.pub`, their minisign public keys as
/// `edgectl keys show` prints them, and `<directory>/<gateway>.revoked`, the record of a
/// revoked one. Read on each use, so a gateway is registered by dropping its key in and
/// revoked by `edge-centre gateways revoke` without a restart. A revoked gateway's key
/// stays, to verify what it sent before; every request it makes is refused, and a record
/// that cannot be read still counts as a revocation (it fails closed).
public struct GatewayKeys: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Why and since when a gateway may no longer send or fetch anything.
    public struct Revocation: Sendable, Equatable {
        public var gateway: String
        public var revokedAt: WallTime
        public var reason: String

        public init(gateway: String, revokedAt: WallTime, reason: String) {
            self.gateway = gateway
            self.revokedAt = revokedAt
            self.reason = reason
        }

        var json: [UInt8] {
            CanonicalJSON.encode(
                .object([("gateway", .string(gateway)), ("reason", .string(reason)), ("revokedAt", .string(revokedAt.rfc3339))]))
        }
    }

    /// The longest reason kept, in characters.
    public static let maxReason = 200

    func keyPath(_ gateway: String) -> String { "\(directory)/\(gateway).pub" }
    func revocationPath(_ gateway: String) -> String { "\(directory)/\(gateway).revoked" }

    func key(for gateway: String) throws(Refusal) -> MinisignPublicKey {
        guard PlainName.isValid(gateway) else {
            throw Refusal(403, "unknown-gateway", "gateway \(LogField.quoted(String(gateway.prefix(80)))) is not a plain gateway id")
        }
        if FileSystem.exists(revocationPath(gateway)) {
            throw Refusal(403, "revoked", Self.refusalText(gateway, revocation: Result { try revocation(of: gateway) }))
        }
        let path = keyPath(gateway)
        guard FileSystem.exists(path) else {
            throw Refusal(403, "unknown-gateway", "gateway \(gateway) is not registered: put its key in \(path)")
        }
        do {
            let bytes = try FileSystem.readFile(path, limit: 4096)
            return try MinisignPublicKey(parsing: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw Refusal(500, "gateway-key", "cannot use \(path): \(error)")
        }
    }

    static func refusalText(_ gateway: String, revocation: Result<Revocation?, any Error>) -> String {
        let what =
            switch revocation {
            case .success(let r?): "on \(r.revokedAt.rfc3339Seconds) (\(r.reason))"
            case .success(nil): "(its record vanished while being read)"
            case .failure(let error): "(its record is unreadable: \(error))"
            }
        return "gateway \(gateway) was revoked \(what): the centre refuses everything it sends or asks; "
            + "`edge-centre gateways restore \(gateway)` undoes it"
    }

    /// The gateway's revocation, nil when it is not revoked; throws when the record exists
    /// but cannot be read (which still refuses the gateway).
    public func revocation(of gateway: String) throws -> Revocation? {
        let path = revocationPath(gateway)
        guard FileSystem.exists(path) else { return nil }
        let value = try JSONParser.parse(try FileSystem.readFile(path, limit: 4096))
        guard case .string(let name)? = value["gateway"], name == gateway,
            case .string(let reason)? = value["reason"],
            case .string(let at)? = value["revokedAt"], let time = WallTime(rfc3339: at)
        else { throw RegistryError("\(path) is not a revocation record of \(gateway)") }
        return Revocation(gateway: gateway, revokedAt: time, reason: reason)
    }

    /// Revokes `gateway` (its key may be absent: a certificate alone is refused too). The
    /// record is written whole (fsync, rename); revoking again keeps the first record.
    @discardableResult
    public func revoke(_ gateway: String, reason: String, at time: WallTime) throws -> Revocation {
        guard PlainName.isValid(gateway) else { throw RegistryError("gateway id \(LogField.quoted(gateway)) must be \(PlainName.rule())") }
        if let existing = try? revocation(of: gateway) { return existing }
        let reason = reason.isEmpty ? "no reason given" : String(reason.prefix(Self.maxReason))
        let record = Revocation(gateway: gateway, revokedAt: time, reason: reason)
        try FileSystem.writeAtomically(record.json + [UInt8(ascii: "\n")], to: revocationPath(gateway), mode: 0o644)
        return record
    }

    /// Lets a revoked gateway in again; false when it was not revoked.
    public func restore(_ gateway: String) throws -> Bool {
        guard PlainName.isValid(gateway) else { throw RegistryError("gateway id \(LogField.quoted(gateway)) must be \(PlainName.rule())") }
        guard FileSystem.exists(revocationPath(gateway)) else { return false }
        try FileSystem.remove(revocationPath(gateway))
        try FileSystem.syncDirectory(directory)
        return true
    }

    /// Every gateway with a key or a revocation record, sorted by id.
    public func gateways() throws -> [(gateway: String, keyID: String?, revoked: Result<Revocation?, any Error>)] {
        var ids = Set<String>()
        for name in try FileSystem.list(directory) {
            for suffix in [".pub", ".revoked"] where name.hasSuffix(suffix) {
                let id = String(name.dropLast(suffix.count))
                if PlainName.isValid(id) { ids.insert(id) }
            }
        }
        return ids.sorted().map { id in
            let keyID = try? key(forListing: id)
            return (id, keyID, Result { try revocation(of: id) })
        }
    }

    private func key(forListing gateway: String) throws -> String { try storedKey(gateway).keyIDHex }

    /// The key in `<gateway>.pub`, whatever the gateway's standing.
    func storedKey(_ gateway: String) throws -> MinisignPublicKey {
        let bytes = try FileSystem.readFile(keyPath(gateway), limit: 4096)
        return try MinisignPublicKey(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Registers `key` for `gateway` (written whole: fsync, rename).
    func register(_ gateway: String, key: MinisignPublicKey) throws(SystemError) {
        try FileSystem.writeAtomically(Array(key.fileText.utf8), to: keyPath(gateway), mode: 0o644)
    }
}

/// A registry operation that could not be done, and why.
public struct RegistryError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
