import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Synchronization

/// What the centre publishes to its gateways and what they report (PROTOCOL.md, "Desired
/// state, releases and reports"), in a folder of its own:
///
///     <fleet>/releases/<sha256>.tar    published release archives
///     <fleet>/desired/<gateway>.json   each gateway's desired state, as served
///     <fleet>/reported/<gateway>.json  each gateway's last report, with when it came
///     <fleet>/rollouts/<sha256>.json   staged rollouts and how far they got
///     <fleet>/groups/<name>            gateway ids, one per line (`@name` in a stage)
public struct FleetStore: Sendable {
    public static let maxReportBytes = 64 << 10

    public let directory: String

    public init(directory: String) throws(SystemError) {
        self.directory = directory
        for sub in ["releases", "desired", "reported", "rollouts", "groups"] { try FileSystem.makeDirectories("\(directory)/\(sub)", mode: 0o750) }
    }

    public func releasePath(sha256 hex: String) -> String { "\(directory)/releases/\(hex).tar" }
    func desiredPath(_ gateway: String) -> String { "\(directory)/desired/\(gateway).json" }
    func reportPath(_ gateway: String) -> String { "\(directory)/reported/\(gateway).json" }

    /// The desired state served to `gateway`, or nil when none is published.
    public func desired(for gateway: String) throws(SystemError) -> [UInt8]? {
        let path = desiredPath(gateway)
        guard FileSystem.exists(path) else { return nil }
        return try FileSystem.readFile(path, limit: 128 << 10)
    }

    /// Publishes `archive` (already verified by the caller) as a rollout: the first of
    /// `stages` is offered it now, each next one once the one before has committed it.
    public func publish(
        archive: String, sha256 hex: String, size: Int64, version: String, securityVersion: UInt64, stages: [[String]],
        maxFailures: Int = 0, pollSeconds: Int, window: (start: String, end: String)? = nil
    ) throws(SystemError) {
        let target = releasePath(sha256: hex)
        if !FileSystem.exists(target) {
            let partial = "\(target).partial"
            let input = try FileDescriptor.open(archive, O_RDONLY)
            let output = try FileDescriptor.open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o640)
            while true {
                let chunk = try input.read(upTo: 1 << 16)
                if chunk.isEmpty { break }
                try output.writeAll(chunk)
            }
            try output.sync()
            try output.close()
            try FileSystem.rename(partial, to: target)
            try FileSystem.syncDirectory("\(directory)/releases")
        }
        var members: [(key: String, value: JSONValue)] = [
            ("pollSeconds", .integer(Int64(pollSeconds))),
            (
                "release",
                .object([
                    ("version", .string(version)), ("securityVersion", .number(String(securityVersion))),
                    ("size", .integer(size)), ("sha256", .string(hex)), ("url", .string("/v1/releases/\(hex)")),
                ])
            ),
        ]
        if let window { members.append(("window", .object([("start", .string(window.start)), ("end", .string(window.end))]))) }
        let rollout = Rollout(
            version: version, sha256: hex, desired: CanonicalJSON.encode(.object(members)), stages: stages, maxFailures: maxFailures)
        try save(rollout)
        try offer(rollout.desired, to: stages.first ?? [])
    }

    /// The gateways of group `name` (`<fleet>/groups/<name>`: one id per line, `#` comments).
    public func group(_ name: String) throws(SystemError) -> [String] {
        Self.gatewayIDs(String(decoding: try FileSystem.readFile("\(directory)/groups/\(name)", limit: 1 << 20), as: UTF8.self))
    }

    /// The ids in a group file's text: one per line, blanks and `#` comments ignored.
    public static func gatewayIDs(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.split(separator: "#", omittingEmptySubsequences: false).first.map(String.init) ?? "" }
            .map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
    }

    /// Offers a rollout's desired state (poll interval, release, window) to `gateways`,
    /// keeping the config each was pushed.
    func offer(_ desired: [UInt8], to gateways: [String]) throws(SystemError) {
        guard case .object(let members)? = try? JSONParser.parse(desired) else { return }
        for gateway in gateways {
            let config = existingDesired(gateway)?["config"]
            let merged = members.filter { $0.key != "config" } + (config.map { [("config", $0)] } ?? [])
            try FileSystem.writeAtomically(CanonicalJSON.encode(.object(merged)), to: desiredPath(gateway), mode: 0o640)
        }
        try FileSystem.syncDirectory("\(directory)/desired")
    }

    /// Pushes a signed config (already verified by the caller) to its gateway, keeping the
    /// release it was offered; a gateway with no desired state yet asks every `pollSeconds`.
    public func publishConfig(
        gateway: String, version: UInt64, envelope: [UInt8], signature: String, pollSeconds: Int
    ) throws(SystemError) {
        var members: [(key: String, value: JSONValue)] = []
        if case .object(let old)? = existingDesired(gateway) { members = old.filter { $0.key != "config" } }
        if !members.contains(where: { $0.key == "pollSeconds" }) { members.append(("pollSeconds", .integer(Int64(pollSeconds)))) }
        if !members.contains(where: { $0.key == "release" }) { members.append(("release", .null)) }
        members.append((
            "config",
            .object([
                ("version", .number(String(version))), ("signed", .string(String(decoding: envelope, as: UTF8.self))),
                ("signature", .string(signature)),
            ])
        ))
        try FileSystem.writeAtomically(CanonicalJSON.encode(.object(members)), to: desiredPath(gateway), mode: 0o640)
        try FileSystem.syncDirectory("\(directory)/desired")
    }

    private func existingDesired(_ gateway: String) -> JSONValue? {
        (try? desired(for: gateway)).flatMap { $0 }.flatMap { try? JSONParser.parse($0) }
    }

    func save(_ rollout: Rollout) throws(SystemError) {
        try FileSystem.writeAtomically(
            Array((CanonicalJSON.pretty(rollout.json) + "\n").utf8), to: "\(directory)/rollouts/\(rollout.sha256).json", mode: 0o640)
        try FileSystem.syncDirectory("\(directory)/rollouts")
    }

    /// Every rollout, as far as it got.
    public func rollouts() throws(SystemError) -> [Rollout] {
        try FileSystem.list("\(directory)/rollouts").filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            (try? FileSystem.readFile("\(directory)/rollouts/\(name)", limit: 1 << 20)).flatMap { try? JSONParser.parse($0) }
                .flatMap(Rollout.init(json:))
        }
    }

    /// After a report from `gateway`: moves each running rollout that offered it a stage
    /// on, or halts it. One at a time (reports arrive concurrently). Returns log lines.
    func advance(after gateway: String) -> [String] {
        Self.advancing.withLock { _ in
            var lines: [String] = []
            for var rollout in (try? rollouts()) ?? [] where rollout.state == .running && rollout.stages[...rollout.stage].joined().contains(gateway) {
                let before = rollout
                let next = rollout.advance { (try? FileSystem.readFile(reportPath($0), limit: 1 << 20)).flatMap { try? JSONParser.parse($0) } }
                guard rollout != before else { continue }
                do throws(SystemError) {
                    if let next { try offer(rollout.desired, to: next) }
                    try save(rollout)
                    lines.append("event=rollout version=\(rollout.version) state=\(rollout.state.rawValue) note=\(LogField.quoted(rollout.note))")
                } catch {
                    lines.append("event=fault what=rollout version=\(rollout.version) error=\(LogField.quoted("\(error)"))")
                }
            }
            return lines
        }
    }

    private static let advancing = Mutex(())

    /// Keeps a gateway's report: it must be a JSON object (the gateway's own words, kept as
    /// sent), stored with when it came.
    func storeReport(gateway: String, bytes: [UInt8], at: WallTime) throws(Refusal) {
        let report: JSONValue
        do { report = try JSONParser.parse(bytes) } catch { throw Refusal.malformed("the report is not JSON: \(error)") }
        guard case .object = report, case .object? = report["firmware"] else {
            throw Refusal.malformed("a report is an object with a firmware object (PROTOCOL.md)")
        }
        let stored = CanonicalJSON.encode(.object([("receivedAt", .string(at.rfc3339)), ("report", report)]))
        do { try FileSystem.writeAtomically(stored, to: reportPath(gateway), mode: 0o640) } catch {
            throw Refusal(500, "fault", "cannot store the report: \(error)")
        }
    }

    /// Every gateway with a desired state or a report: (gateway, desired, reported).
    public func fleet() throws(SystemError) -> [(gateway: String, desired: JSONValue?, reported: JSONValue?)] {
        func names(_ sub: String) throws(SystemError) -> [String] {
            try FileSystem.list("\(directory)/\(sub)").filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        }
        let all = Set(try names("desired") + names("reported")).sorted()
        return all.map { gateway in
            let read = { (path: String) -> JSONValue? in
                (try? FileSystem.readFile(path, limit: 1 << 20)).flatMap { try? JSONParser.parse($0) }
            }
            return (gateway, read(desiredPath(gateway)), read(reportPath(gateway)))
        }
    }
}
