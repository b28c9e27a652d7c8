import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Release
import Updater

/// Where a config pushed by the centre goes: the daemon's transactional apply (validate,
/// write, restart only the cameras it changes, roll back when one does not stream).
public protocol ConfigTarget: Sendable {
    /// The gateway id the running config names: a pushed config must be signed for it.
    var gateway: String { get }
    /// The config file as it is now (for the report's SHA-256); nil when it cannot be read.
    func currentBytes() -> [UInt8]?
    /// Applies `bytes`, version `version` of the centre's config for this gateway.
    func apply(_ bytes: [UInt8], version: UInt64) -> ConfigApplyResult
    /// A pushed config was refused before it reached `apply` (signature, gateway, version).
    func refused(version: UInt64, reason: String)
}

public enum ConfigApplyResult: Sendable, Equatable {
    /// Running; `detail` says what changed (and what waits for a restart).
    case applied(detail: String)
    /// Not running: invalid, or rolled back because a camera did not stream; `reason` says which.
    case refused(reason: String)
    /// Not tried: the daemon was busy (a technician's change in progress) or could not
    /// write; tried again at the next round, not counted as refused.
    case notNow(reason: String)
}

/// What the gateway did with pushed configs, in `<update>/config-push.json`: the version
/// it last applied and the SHA-256 of the file that version wrote (a different file now
/// is a local change: drift), the versions it refused (never tried again) and the last
/// outcome. Written whole (fsync, rename) after each push.
public struct ConfigPushState: Sendable, Equatable {
    public struct Outcome: Sendable, Equatable {
        public var version: UInt64
        public var applied: Bool
        public var detail: String
        public var at: WallTime

        /// As the file keeps it and the report sends it (PROTOCOL.md).
        public var json: JSONValue {
            .object([
                ("version", .number(String(version))), ("result", .string(applied ? "applied" : "refused")),
                ("detail", .string(detail)), ("at", .string(at.rfc3339)),
            ])
        }

        init?(json value: JSONValue?) {
            guard case .number(let v)? = value?["version"], let version = UInt64(plainDecimal: v),
                case .string(let result)? = value?["result"], result == "applied" || result == "refused",
                case .string(let detail)? = value?["detail"], case .string(let at)? = value?["at"], let when = WallTime(rfc3339: at)
            else { return nil }
            self.init(version: version, applied: result == "applied", detail: detail, at: when)
        }

        init(version: UInt64, applied: Bool, detail: String, at: WallTime) {
            self.version = version
            self.applied = applied
            self.detail = detail
            self.at = at
        }
    }

    public static let maxRefused = 50

    public var appliedVersion: UInt64?
    public var appliedSHA256: String?
    public var refused: [UInt64] = []
    public var last: Outcome?

    public init() {}

    public static func path(in updateDirectory: String) -> String { "\(updateDirectory)/config-push.json" }

    /// An absent file is a gateway no config was pushed to; a damaged one is refused.
    public static func load(_ path: String) throws(ChannelError) -> ConfigPushState {
        guard FileSystem.exists(path) else { return ConfigPushState() }
        func bad(_ what: String) -> ChannelError { ChannelError(.storage, "\(path): \(what); move it away to start afresh") }
        let value: JSONValue
        do { value = try JSONParser.parse(try FileSystem.readFile(path, limit: 64 << 10)) } catch { throw bad("\(error)") }
        var state = ConfigPushState()
        if case .number(let text)? = value["appliedVersion"] {
            guard let v = UInt64(plainDecimal: text) else { throw bad("appliedVersion is not a whole number") }
            state.appliedVersion = v
        }
        if case .string(let hex)? = value["appliedSHA256"] { state.appliedSHA256 = hex }
        if case .array(let items)? = value["refused"] {
            state.refused = items.compactMap { if case .number(let t) = $0 { UInt64(plainDecimal: t) } else { nil } }
        }
        state.last = Outcome(json: value["last"])
        return state
    }

    public func save(_ path: String) throws(ChannelError) {
        do { try FileSystem.writeAtomically(Array((CanonicalJSON.pretty(json) + "\n").utf8), to: path) } catch {
            throw ChannelError(.storage, "cannot write \(path): \(error)")
        }
    }

    public var json: JSONValue {
        .object([
            ("appliedVersion", appliedVersion.map { .number(String($0)) } ?? .null),
            ("appliedSHA256", appliedSHA256.map { .string($0) } ?? .null),
            ("refused", .array(refused.map { .number(String($0)) })), ("last", last?.json ?? .null),
        ])
    }

    /// The report's `config` (PROTOCOL.md): what runs, against what was pushed.
    public func report(current: [UInt8]?) -> JSONValue {
        let sha = current.map { Hex.encode(SHA256.hash($0)) }
        return .object([
            ("version", appliedVersion.map { .number(String($0)) } ?? .null),
            ("sha256", sha.map { .string($0) } ?? .null),
            ("drift", .bool(appliedSHA256 != nil && sha != appliedSHA256)), ("last", last?.json ?? .null),
        ])
    }

    mutating func record(_ version: UInt64, applied: Bool, detail: String, sha256: String?, at: WallTime) {
        if applied {
            appliedVersion = version
            appliedSHA256 = sha256
        } else if !refused.contains(version) {
            refused.append(version)
            if refused.count > Self.maxRefused { refused.removeFirst(refused.count - Self.maxRefused) }
        }
        last = Outcome(version: version, applied: applied, detail: detail, at: at)
    }
}

extension UpdateChannel {
    /// The config step of a round: a pushed version above the one applied, not refused
    /// before, is checked (signature before anything is parsed; for this gateway; the
    /// announced version the signed one) and handed to the target. Nil when there was
    /// nothing to do; otherwise what happened, for the log.
    func applyPushedConfig(_ pushed: DesiredState.Config?) -> String? {
        guard let pushed, let target = configTarget else { return nil }
        let path = ConfigPushState.path(in: updater.paths.updateDirectory)
        var state: ConfigPushState
        do { state = try ConfigPushState.load(path) } catch { return error.message }
        if let applied = state.appliedVersion, pushed.version <= applied { return nil }
        if state.refused.contains(pushed.version) { return nil }
        let keys: [MinisignPublicKey]
        do { keys = try updater.trustedKeys() } catch { return "config version \(pushed.version) not checked: \(error.message)" }
        let outcome: (applied: Bool, detail: String, sha: String?)
        do throws(ReleaseError) {
            let signed = try SignedConfig.verify(
                envelope: pushed.envelope, signature: pushed.signature, keys: keys, gateway: target.gateway)
            guard signed.version == pushed.version else {
                throw ReleaseError(.malformedManifest, "announced as version \(pushed.version), signed as version \(signed.version)")
            }
            switch target.apply(signed.configBytes, version: signed.version) {
            case .applied(let detail): outcome = (true, detail, Hex.encode(SHA256.hash(signed.configBytes)))
            case .refused(let reason): outcome = (false, reason, nil)
            case .notNow(let reason): return "config version \(pushed.version) not applied yet (\(reason)); tried again at the next poll"
            }
        } catch {
            outcome = (false, error.description, nil)
            target.refused(version: pushed.version, reason: error.description)
        }
        state.record(pushed.version, applied: outcome.applied, detail: outcome.detail, sha256: outcome.sha, at: time.wallNow())
        do { try state.save(path) } catch { return error.message }
        return outcome.applied
            ? "config version \(pushed.version) applied: \(outcome.detail)"
            : "config version \(pushed.version) refused: \(outcome.detail)"
    }
}
