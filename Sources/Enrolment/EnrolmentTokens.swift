#if canImport(Glibc)
import Glibc
#endif
import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// One-time enrolment tokens: `<directory>/<gateway>.token`, a record of the token's
/// SHA-256 (never the token), the gateway it is for and when it expires. Issuing again
/// replaces the record; a redeemed token is renamed `<gateway>.token-used` with when, so
/// it cannot be used twice and the centre keeps who enrolled when.
public struct EnrolmentTokens: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The longest a token may live: a week (a box installed on Monday, enrolled by Friday).
    public static let maxLifetime: Duration = .seconds(7 * 86_400)
    static let recordLimit = 4096

    func recordPath(_ gateway: String) -> String { "\(directory)/\(gateway).token" }
    func usedPath(_ gateway: String) -> String { "\(directory)/\(gateway).token-used" }

    /// A new token for `gateway`, valid until `expires`: 20 random bytes as 32 base32
    /// letters in groups of four (`K7QF-2M9X-…`), easy to read out and type on a console.
    public func issue(for gateway: String, now: WallTime, expires: WallTime) throws(EnrolmentError) -> String {
        guard PlainName.isLowerCaseID(gateway, max: 64) else {
            throw EnrolmentError(.malformed, "gateway id \(LogField.quoted(gateway)) must be 1–64 of a-z, 0-9, '-' and '_'")
        }
        guard expires > now, expires - now <= Self.maxLifetime else {
            throw EnrolmentError(.malformed, "a token lasts from 1 second to 7 days")
        }
        let secret: [UInt8]
        do { secret = try secureRandom(20) } catch { throw EnrolmentError(.crypto, error.message, cause: error) }
        let token = Self.text(secret)
        let record: JSONValue = .object([
            ("expires", .string(expires.rfc3339)), ("gateway", .string(gateway)), ("issued", .string(now.rfc3339)),
            ("sha256", .string(Hex.encode(SHA256.hash(Array(Self.normalised(token).utf8))))),
        ])
        do {
            try FileSystem.makeDirectories(directory, mode: 0o700)
            try FileSystem.writeAtomically(CanonicalJSON.encode(record) + [10], to: recordPath(gateway), mode: 0o600)
        } catch { throw EnrolmentError(.storage, "cannot write \(recordPath(gateway)): \(error)", cause: error) }
        return token
    }

    /// Checks `token` for `gateway` at `now` and, when it lets the gateway in, marks it
    /// used (a second request with it is refused: the centre's IT issues a new one).
    public func redeem(_ token: String, for gateway: String, now: WallTime) throws(EnrolmentError) {
        try Self.checkID(gateway)
        // The claim is one rename: of two requests with the same token, one wins and the
        // other finds no record. The claimed record is then checked (and put back if the
        // token does not match it, or it expired).
        let claimed = "\(directory)/\(gateway).token-claimed"
        do { try FileSystem.rename(recordPath(gateway), to: claimed) } catch {
            if error.code == ENOENT { throw missing(gateway) }
            throw EnrolmentError(.storage, "cannot claim the token for \(gateway): \(error)", cause: error)
        }
        let fields: [(key: String, value: JSONValue)]
        do { fields = try Self.matching(token, record: claimed, gateway: gateway, now: now) } catch {
            try? FileSystem.rename(claimed, to: recordPath(gateway))
            throw error
        }
        let used: JSONValue = .object(fields + [("used", .string(now.rfc3339))])
        do {
            try FileSystem.writeAtomically(CanonicalJSON.encode(used) + [10], to: usedPath(gateway), mode: 0o600)
            try FileSystem.remove(claimed)
            try FileSystem.syncDirectory(directory)
        } catch { throw EnrolmentError(.storage, "cannot mark the token for \(gateway) used: \(error)", cause: error) }
    }

    /// Whether `token` lets `gateway` in at `now`, without using it up: checked before a
    /// request body is read. Returns the token's record.
    @discardableResult
    public func check(_ token: String, for gateway: String, now: WallTime) throws(EnrolmentError) -> [(key: String, value: JSONValue)] {
        try Self.checkID(gateway)
        let path = recordPath(gateway)
        guard FileSystem.exists(path) else { throw missing(gateway) }
        return try Self.matching(token, record: path, gateway: gateway, now: now)
    }

    /// A gateway id that can name a file here, or why not.
    static func checkID(_ gateway: String) throws(EnrolmentError) {
        guard PlainName.isLowerCaseID(gateway, max: 64) else {
            throw EnrolmentError(.malformed, "gateway id \(LogField.quoted(String(gateway.prefix(80)))) is not a plain gateway id")
        }
    }

    /// Why there is no token record for `gateway`: used, or never issued.
    private func missing(_ gateway: String) -> EnrolmentError {
        FileSystem.exists(usedPath(gateway))
            ? EnrolmentError(.usedToken, "the enrolment token for \(gateway) was used already: ask the centre for a new one")
            : EnrolmentError(.unknownToken, "no enrolment token was issued for \(gateway): ask the centre for one")
    }

    /// The record at `path` if `token` matches it for `gateway` and it has not expired.
    static func matching(_ token: String, record path: String, gateway: String, now: WallTime) throws(EnrolmentError)
        -> [(key: String, value: JSONValue)]
    {
        let value: JSONValue
        do { value = try JSONParser.parse(try FileSystem.readFile(path, limit: Self.recordLimit)) } catch {
            throw EnrolmentError(.storage, "cannot read \(path): \(error)", cause: error)
        }
        guard case .string(let hash)? = value["sha256"], case .string(let name)? = value["gateway"], name == gateway,
            case .string(let until)? = value["expires"], let expires = WallTime(rfc3339: until)
        else { throw EnrolmentError(.storage, "\(path) is not a token record for \(gateway): issue a new token") }
        let given = Hex.encode(SHA256.hash(Array(Self.normalised(token).utf8)))
        guard Self.equalInConstantTime(Array(given.utf8), Array(hash.utf8)) else {
            throw EnrolmentError(.unknownToken, "the enrolment token does not match the one issued for \(gateway): check it, or ask for a new one")
        }
        guard now < expires else {
            throw EnrolmentError(.expiredToken, "the enrolment token for \(gateway) expired at \(expires.rfc3339Seconds): ask the centre for a new one")
        }
        guard case .object(let fields) = value else { throw EnrolmentError(.storage, "\(path) is not a token record") }
        return fields
    }

    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789".utf8)  // no I, O, 0, 1

    static func text(_ bytes: [UInt8]) -> String {
        var letters: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                letters.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
            buffer &= (1 << bits) - 1
        }
        var grouped: [UInt8] = []
        for (n, letter) in letters.enumerated() {
            if n > 0 && n % 4 == 0 { grouped.append(UInt8(ascii: "-")) }
            grouped.append(letter)
        }
        return String(decoding: grouped, as: UTF8.self)
    }

    /// Upper case without dashes or spaces: how the token was typed does not matter.
    static func normalised(_ token: String) -> String {
        String(token.uppercased().filter { $0 != "-" && $0 != " " }.prefix(64))
    }

    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
