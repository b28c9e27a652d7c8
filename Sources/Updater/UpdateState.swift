import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// What the gateway knows about its firmware beyond the slots: the security version it
/// will not go below, the release keys it trusts, the release on probation, the releases
/// that failed (never retried) and the last outcomes (for the technician and the centre).
/// Kept in `STATE/update/state.json`, written whole (fsync, rename).
public struct UpdateState: Sendable, Equatable {
    /// A release on probation: switched to, not yet proven.
    public struct Probation: Sendable, Equatable {
        public var slot: SlotName
        public var version: String
        public var securityVersion: UInt64
        /// SHA-256 of the release's signed manifest: what identifies the release.
        public var manifestSHA256: [UInt8]
        public var nextReleaseKey: MinisignPublicKey?
        /// Starts of the daemon in this slot so far (counted before each start).
        public var starts: Int
        public var since: WallTime
        /// The SHA-256 of the archive it came from, when fetched from the centre.
        public var archiveSHA256: String?
    }

    public struct Outcome: Sendable, Equatable {
        public enum Result: String, Sendable { case committed, rolledBack = "rolled-back", refused }
        public var version: String
        public var result: Result
        public var detail: String
        public var at: WallTime

        public var json: JSONValue {
            .object([
                ("version", .string(version)), ("result", .string(result.rawValue)), ("detail", .string(detail)),
                ("at", .string(at.rfc3339)),
            ])
        }
    }

    public struct Bad: Sendable, Equatable {
        public var version: String
        public var manifestSHA256: [UInt8]
        public var reason: String
    }

    public var securityVersion: UInt64 = 0
    /// The release keys trusted now; empty means the key installed with the firmware.
    public var trustedKeys: [MinisignPublicKey] = []
    public var probation: Probation?
    public var bad: [Bad] = []
    /// The latest first, at most `maxOutcomes`.
    public var outcomes: [Outcome] = []
    /// Archives (SHA-256, hex) refused or rolled back: the update channel does not fetch
    /// them again. At most `maxBad`.
    public var skippedArchives: [String] = []

    public static let maxOutcomes = 20
    public static let maxBad = 100

    public init() {}

    mutating func record(_ version: String, _ result: Outcome.Result, _ detail: String, at: WallTime) {
        outcomes.insert(Outcome(version: version, result: result, detail: detail, at: at), at: 0)
        if outcomes.count > Self.maxOutcomes { outcomes.removeLast(outcomes.count - Self.maxOutcomes) }
    }

    mutating func skip(archive: String?) {
        guard let archive, !skippedArchives.contains(archive) else { return }
        skippedArchives.append(archive)
        if skippedArchives.count > Self.maxBad { skippedArchives.removeFirst(skippedArchives.count - Self.maxBad) }
    }

    mutating func markBad(_ version: String, _ sha: [UInt8], reason: String) {
        guard !bad.contains(where: { $0.manifestSHA256 == sha }) else { return }
        bad.append(Bad(version: version, manifestSHA256: sha, reason: reason))
        if bad.count > Self.maxBad { bad.removeFirst(bad.count - Self.maxBad) }
    }
}

extension UpdateState {
    public var json: JSONValue {
        .object([
            ("format", .integer(1)),
            ("securityVersion", .number(String(securityVersion))),
            ("trustedKeys", .array(trustedKeys.map { .string($0.base64) })),
            (
                "probation",
                probation.map { p in
                    .object([
                        ("slot", .string(p.slot.rawValue)), ("version", .string(p.version)),
                        ("securityVersion", .number(String(p.securityVersion))),
                        ("manifestSha256", .string(Hex.encode(p.manifestSHA256))),
                        ("nextReleaseKey", p.nextReleaseKey.map { .string($0.base64) } ?? .null),
                        ("starts", .integer(Int64(p.starts))), ("since", .string(p.since.rfc3339)),
                        ("archiveSha256", p.archiveSHA256.map { .string($0) } ?? .null),
                    ])
                } ?? .null
            ),
            (
                "bad",
                .array(
                    bad.map {
                        .object([
                            ("version", .string($0.version)), ("manifestSha256", .string(Hex.encode($0.manifestSHA256))),
                            ("reason", .string($0.reason)),
                        ])
                    })
            ),
            ("skippedArchives", .array(skippedArchives.map { .string($0) })),
            (
                "outcomes",
                .array(
                    outcomes.map(\.json))
            ),
        ])
    }

    /// Reads the state back; a file that does not parse is never reset (it holds the
    /// security version that keeps downgrades out): the error says where it is.
    init(json value: JSONValue, path: String) throws(UpdateError) {
        func bad(_ what: String) -> UpdateError {
            UpdateError(.corruptState, "\(path): \(what); restore it from a backup or the centre's record of this gateway")
        }
        guard value["format"] == .integer(1) else { throw bad("not an update state of format 1") }
        guard case .number(let security)? = value["securityVersion"], let floor = UInt64(security) else {
            throw bad("securityVersion is not an integer")
        }
        securityVersion = floor
        guard case .array(let keys)? = value["trustedKeys"] else { throw bad("trustedKeys is not an array") }
        for key in keys {
            guard case .string(let text) = key, let parsed = try? MinisignPublicKey(parsing: text) else {
                throw bad("a trusted key is not a minisign public key")
            }
            trustedKeys.append(parsed)
        }
        switch value["probation"] {
        case .null?: probation = nil
        case let p?:
            guard case .string(let slotText)? = p["slot"], let slot = SlotName(rawValue: slotText),
                case .string(let version)? = p["version"],
                case .number(let sv)? = p["securityVersion"], let securityVersion = UInt64(sv),
                case .string(let sha)? = p["manifestSha256"], let digest = Hex.decode(sha), digest.count == 32,
                case .number(let startsText)? = p["starts"], let starts = Int(startsText), starts >= 0,
                case .string(let sinceText)? = p["since"], let since = WallTime(rfc3339: sinceText)
            else { throw bad("the probation record is incomplete") }
            var next: MinisignPublicKey?
            if case .string(let text)? = p["nextReleaseKey"] {
                guard let key = try? MinisignPublicKey(parsing: text) else { throw bad("probation.nextReleaseKey is not a key") }
                next = key
            }
            var archive: String?
            if case .string(let text)? = p["archiveSha256"] { archive = text }
            probation = Probation(
                slot: slot, version: version, securityVersion: securityVersion, manifestSHA256: digest,
                nextReleaseKey: next, starts: starts, since: since, archiveSHA256: archive)
        case nil: throw bad("probation is missing")
        }
        guard case .array(let badList)? = value["bad"], case .array(let outcomeList)? = value["outcomes"] else {
            throw bad("bad or outcomes is not an array")
        }
        if case .array(let skipped)? = value["skippedArchives"] {
            for item in skipped {
                guard case .string(let hex) = item else { throw bad("skippedArchives holds a non-string") }
                skippedArchives.append(hex)
            }
        }
        for item in badList {
            guard case .string(let version)? = item["version"], case .string(let sha)? = item["manifestSha256"],
                let digest = Hex.decode(sha), case .string(let reason)? = item["reason"]
            else { throw bad("an entry of bad is incomplete") }
            self.bad.append(Bad(version: version, manifestSHA256: digest, reason: reason))
        }
        for item in outcomeList {
            guard case .string(let version)? = item["version"], case .string(let resultText)? = item["result"],
                let result = Outcome.Result(rawValue: resultText), case .string(let detail)? = item["detail"],
                case .string(let atText)? = item["at"], let at = WallTime(rfc3339: atText)
            else { throw bad("an outcome is incomplete") }
            outcomes.append(Outcome(version: version, result: result, detail: detail, at: at))
        }
    }

    static func load(_ paths: UpdatePaths) throws(UpdateError) -> UpdateState {
        guard FileSystem.exists(paths.stateFile) else { return UpdateState() }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(paths.stateFile, limit: 1 << 20) } catch {
            throw .storage(error, "cannot read the update state")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw UpdateError(.corruptState, "\(paths.stateFile): not JSON (\(error)); restore it from a backup")
        }
        return try UpdateState(json: value, path: paths.stateFile)
    }

    func save(_ paths: UpdatePaths) throws(UpdateError) {
        do throws(SystemError) {
            try FileSystem.makeDirectories(paths.updateDirectory, mode: 0o750)
            try FileSystem.writeAtomically(Array((CanonicalJSON.pretty(json) + "\n").utf8), to: paths.stateFile, mode: 0o640)
            try FileSystem.syncDirectory(paths.updateDirectory)
        } catch { throw .storage(error, "cannot write the update state") }
    }
}
