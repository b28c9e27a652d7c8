import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Release
import Uplink

/// What the centre wants this gateway to run (PROTOCOL.md, "Desired state, releases and
/// reports"), read strictly: every field with its type and bounds, nothing else.
public struct DesiredState: Sendable, Equatable {
    public struct Release: Sendable, Equatable {
        public var version: String
        public var securityVersion: UInt64
        /// The archive's size: the download may not pass it.
        public var size: Int64
        /// The archive's SHA-256, checked once it is whole.
        public var sha256: [UInt8]
        /// Where to fetch it: a path on the same destination (`/v1/releases/<sha256>`).
        public var path: String

        public var hex: String { Hex.encode(sha256) }
    }

    /// A config pushed to this gateway: checked (signature first) when it is applied.
    public struct Config: Sendable, Equatable {
        /// The version the centre announces; the signed envelope's must match it.
        public var version: UInt64
        public var envelope: [UInt8]
        public var signature: String
    }

    public static let maxBytes = 128 << 10

    public var pollSeconds: Int
    public var release: Release?
    public var config: Config?
    /// When a release may be installed (the daemon restarts into it then), in UTC; nil:
    /// at any time. Downloads happen whenever the gateway asks.
    public var window: UploadWindow?

    public init(pollSeconds: Int, release: Release?, window: UploadWindow? = nil, config: Config? = nil) {
        self.pollSeconds = pollSeconds
        self.release = release
        self.window = window
        self.config = config
    }

    /// `HH:MM` (UTC) as minutes after midnight; `24:00` only as an end.
    static func minutes(_ text: String, end: Bool) -> Int? {
        let b = Array(text.utf8)
        let digit = { (i: Int) -> Int? in (0x30...0x39).contains(b[i]) ? Int(b[i] - 0x30) : nil }
        guard b.count == 5, b[2] == UInt8(ascii: ":"), let h1 = digit(0), let h2 = digit(1), let m1 = digit(3), let m2 = digit(4)
        else { return nil }
        let (h, m) = (h1 * 10 + h2, m1 * 10 + m2)
        guard m < 60 else { return nil }
        let total = h * 60 + m
        return total < 1440 || (end && total == 1440) ? total : nil
    }

    public static func parse(_ bytes: [UInt8]) throws(ChannelError) -> DesiredState {
        func bad(_ what: String) -> ChannelError { ChannelError(.malformed, "the centre's desired state: \(what)") }
        guard bytes.count <= maxBytes else { throw bad("over \(maxBytes) bytes") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw bad("not JSON: \(error)") }
        guard case .object(let members) = value else { throw bad("not an object") }
        if let unknown = members.first(where: { !["pollSeconds", "release", "window", "config"].contains($0.key) }) {
            throw bad("unknown field \(unknown.key)")
        }
        var window: UploadWindow?
        switch value["window"] {
        case nil, .null?: break
        case .object(let fields)?:
            guard fields.count == 2, case .string(let startText)? = value["window"]?["start"],
                case .string(let endText)? = value["window"]?["end"], let start = minutes(startText, end: false),
                let end = minutes(endText, end: true), start != end
            else { throw bad("window must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} in UTC, start and end apart") }
            window = UploadWindow(startMinute: start, endMinute: end)
        default: throw bad("window must be an object or null")
        }
        guard case .number(let pollText)? = value["pollSeconds"], let poll = Int(plainDecimal: pollText), (60...86400).contains(poll)
        else { throw bad("pollSeconds must be 60…86400") }
        let config = try parseConfig(value["config"])
        switch value["release"] {
        case .null?: return DesiredState(pollSeconds: poll, release: nil, window: window, config: config)
        case .object(let fields)?:
            let known = ["version", "securityVersion", "size", "sha256", "url"]
            if let unknown = fields.first(where: { !known.contains($0.key) }) { throw bad("unknown field release.\(unknown.key)") }
            guard case .string(let version)? = value["release"]?["version"], (1...32).contains(version.utf8.count),
                version.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
            else { throw bad("release.version must be 1–32 printable characters") }
            guard case .number(let securityText)? = value["release"]?["securityVersion"], let security = UInt64(plainDecimal: securityText)
            else { throw bad("release.securityVersion must be a whole number") }
            guard case .number(let sizeText)? = value["release"]?["size"], let size = Int64(plainDecimal: sizeText), size > 0,
                size <= ReleaseManifest.maxReleaseBytes
            else { throw bad("release.size must be 1…\(ReleaseManifest.maxReleaseBytes)") }
            guard case .string(let hex)? = value["release"]?["sha256"], hex.utf8.count == 64, hex == hex.lowercased(),
                let digest = Hex.decode(hex)
            else { throw bad("release.sha256 must be 64 lower-case hex digits") }
            guard case .string(let url)? = value["release"]?["url"], url == "/v1/releases/\(hex)" else {
                throw bad("release.url must be /v1/releases/<its sha256>")
            }
            return DesiredState(
                pollSeconds: poll,
                release: Release(version: version, securityVersion: security, size: size, sha256: digest, path: url),
                window: window, config: config)
        default: throw bad("release must be an object or null")
        }
    }

    static func parseConfig(_ value: JSONValue?) throws(ChannelError) -> Config? {
        func bad(_ what: String) -> ChannelError { ChannelError(.malformed, "the centre's desired state: \(what)") }
        switch value {
        case nil, .null?: return nil
        case .object(let fields)?:
            if let unknown = fields.first(where: { !["version", "signed", "signature"].contains($0.key) }) {
                throw bad("unknown field config.\(unknown.key)")
            }
            guard case .number(let text)? = value?["version"], let version = UInt64(plainDecimal: text), version > 0 else {
                throw bad("config.version must be a whole number from 1")
            }
            guard case .string(let signed)? = value?["signed"], !signed.isEmpty, signed.utf8.count <= SignedConfig.maxEnvelopeBytes else {
                throw bad("config.signed must be the signed config, 1–\(SignedConfig.maxEnvelopeBytes) bytes")
            }
            guard case .string(let signature)? = value?["signature"], signature.utf8.count <= SignedConfig.maxSignatureBytes else {
                throw bad("config.signature must be a minisign signature, at most \(SignedConfig.maxSignatureBytes) bytes")
            }
            return Config(version: version, envelope: Array(signed.utf8), signature: signature)
        default: throw bad("config must be an object or null")
        }
    }
}
