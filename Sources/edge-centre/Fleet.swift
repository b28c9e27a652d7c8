import ArgumentParser
import CentreReceiver
import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Release

extension EdgeCentre {
    struct ReleasePublish: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Offer a release to gateways: they fetch it at their next poll.",
            discussion: """
                Checks the release with --key first (a release the gateways would refuse is \
                not published) and copies it into the fleet directory. With --gateway, those \
                gateways are offered it at once; with --stage (repeated), the first stage is \
                offered it now and each next one once every gateway of the stage before has \
                committed it, and the rollout halts when more than --max-failures gateways \
                roll it back or refuse it. A stage is gateway ids separated by commas, or \
                @GROUP for the ids in FLEET/groups/GROUP (one per line). \
                `edge-centre serve --fleet DIR` serves it and moves the rollout on.
                """)

        @Option(help: "The fleet directory (as given to `serve --fleet`).")
        var fleet: String
        @Option(help: "The release public key the gateways trust (.pub file or its base64 line).")
        var key: String
        @Option(help: "A gateway to offer it to at once (repeat for several).")
        var gateway: [String] = []
        @Option(help: "A stage of the rollout: ids separated by commas, or @GROUP (repeat, canaries first).")
        var stage: [String] = []
        @Option(help: "Failures (rolled back or refused) the rollout tolerates before it halts.")
        var maxFailures = 0
        @Option(help: "How often those gateways ask, in seconds (60–86400).")
        var pollSeconds = 300
        @Option(help: "When they may install it and restart, HH:MM-HH:MM in UTC (default: at once).")
        var window: String?
        @Argument(help: "The release archive (from `release sign`).")
        var file: String

        func validate() throws {
            guard gateway.isEmpty != stage.isEmpty else { throw ValidationError("give --gateway or --stage (not both)") }
            if let bad = gateway.first(where: { !PlainName.isValid($0) }) {
                throw ValidationError("--gateway \(bad): \(PlainName.rule())")
            }
            guard (0...10_000).contains(maxFailures) else { throw ValidationError("--max-failures must be 0…10000") }
            guard (60...86400).contains(pollSeconds) else { throw ValidationError("--poll-seconds must be 60…86400") }
            if let window, Self.split(window) == nil {
                throw ValidationError("--window \(window): expected HH:MM-HH:MM in UTC, e.g. 02:00-05:00")
            }
        }

        func run() throws {
            let publicKey = try releasePublicKey(key)
            let release: VerifiedRelease
            do { release = try ReleaseReader.read(path: file, trust: ReleaseTrust(keys: [publicKey], now: SystemTime().wallNow())) } catch {
                throw CentreError("\(file): not published: \(error.description)")
            }
            let digest: [UInt8]
            do { digest = try Digest.hash(file: file, .sha256) } catch { throw CentreError("cannot read \(file): \(error)") }
            let m = release.manifest
            let store: FleetStore
            do { store = try FleetStore(directory: fleet) } catch { throw CentreError("cannot use \(fleet): \(error)") }
            let stages = try gateway.isEmpty ? stage.map { try Self.gateways(in: $0, store) } : [gateway]
            do {
                try store.publish(
                    archive: file, sha256: Hex.encode(digest), size: release.archiveSize, version: m.version,
                    securityVersion: m.securityVersion, stages: stages, maxFailures: maxFailures, pollSeconds: pollSeconds,
                    window: window.flatMap(Self.split))
            } catch { throw CentreError("cannot publish into \(fleet): \(error)") }
            let plan = stages.map { $0.joined(separator: ",") }.joined(separator: " → ")
            print("published release \(m.version) (\(Hex.encode(digest).prefix(16))…): \(plan)")
        }

        /// A stage's gateways: `site-042,site-043` or `@canary`.
        static func gateways(in stage: String, _ store: FleetStore) throws -> [String] {
            let ids: [String]
            if stage.hasPrefix("@") {
                let name = String(stage.dropFirst())
                guard PlainName.isValid(name) else { throw CentreError("--stage \(stage): a group name is \(PlainName.rule())") }
                do { ids = try store.group(name) } catch {
                    throw CentreError("--stage \(stage): cannot read \(store.directory)/groups/\(name): \(error)")
                }
            } else {
                ids = stage.split(separator: ",").map(String.init)
            }
            guard !ids.isEmpty else { throw CentreError("--stage \(stage) names no gateway") }
            if let bad = ids.first(where: { !PlainName.isValid($0) }) {
                throw CentreError("--stage \(stage): \(bad) is not a gateway id (\(PlainName.rule()))")
            }
            return ids
        }

        /// `02:00-05:00` → ("02:00", "05:00"), each HH:MM with HH 00–24 and MM 00–59.
        static func split(_ text: String) -> (start: String, end: String)? {
            let parts = text.split(separator: "-")
            let valid = { (t: Substring) -> Bool in
                let p = t.split(separator: ":")
                guard p.count == 2, p.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                    let h = Int(p[0]), let m = Int(p[1])
                else { return false }
                return h < 24 && m < 60 || h == 24 && m == 0
            }
            guard parts.count == 2, valid(parts[0]), valid(parts[1]), parts[0] != parts[1] else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
    }

    struct Fleet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The gateways' updates: what each should run and what it reports.",
            subcommands: [FleetStatus.self])
    }

    struct FleetStatus: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Desired against reported release for every gateway, and its last outcome.")

        @Option(help: "The fleet directory (as given to `serve --fleet`).")
        var fleet: String
        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let entries: [(gateway: String, desired: JSONValue?, reported: JSONValue?)]
            let rollouts: [Rollout]
            do {
                let store = try FleetStore(directory: fleet)
                entries = try store.fleet()
                rollouts = try store.rollouts()
            } catch { throw CentreError("cannot read \(fleet): \(error)") }
            if json {
                let list: [JSONValue] = entries.map {
                    .object([("gateway", .string($0.gateway)), ("desired", $0.desired ?? .null), ("reported", $0.reported ?? .null)])
                }
                print(CanonicalJSON.pretty(.object([("rollouts", .array(rollouts.map(\.json))), ("gateways", .array(list))])))
                return
            }
            for rollout in rollouts {
                let line = "rollout \(rollout.version) (\(rollout.sha256.prefix(12))…): \(rollout.state.rawValue), \(rollout.note)"
                print(line.count > 80 ? String(line.prefix(79)) + "…" : line)
            }
            for entry in entries { print(Self.line(entry)) }
        }

        /// `site-042  wants 1.4.0  runs 1.4.0 (b)  committed 1.4.0  at 2026-12-05T12:00:00Z`, cut at 80.
        static func line(_ entry: (gateway: String, desired: JSONValue?, reported: JSONValue?)) -> String {
            func text(_ value: JSONValue?) -> String? {
                if case .string(let s)? = value { return s }
                return nil
            }
            let wants = text(entry.desired?["release"]?["version"]) ?? "-"
            let report = entry.reported?["report"]
            let runs = text(report?["firmware"]?["version"]) ?? "-"
            let slot = text(report?["firmware"]?["slot"]).map { " (\($0))" } ?? ""
            var line = "\(entry.gateway)  wants \(wants)  runs \(runs)\(slot)"
            if case .object? = report?["probation"] { line += "  on probation" }
            line += configText(wanted: entry.desired?["config"]?["version"], reported: report?["config"])
            if case .array(let outcomes)? = report?["outcomes"], let last = outcomes.first {
                line += "  \(text(last["result"]) ?? "?") \(text(last["version"]) ?? "?")"
            }
            if let at = text(entry.reported?["receivedAt"]) { line += "  at \(at.prefix(19))Z" }
            return line.count > 80 ? String(line.prefix(79)) + "…" : line
        }

        /// `  config 3`, `  config 3 DRIFT` (changed on the gateway), `  config 3 (4 refused)`,
        /// `  config 3 (4 pending)`; empty when no config was pushed.
        static func configText(wanted: JSONValue?, reported: JSONValue?) -> String {
            func number(_ value: JSONValue?) -> String? {
                if case .number(let n)? = value { return n }
                return nil
            }
            guard let want = number(wanted) else { return "" }
            let runs = number(reported?["version"])
            var text = "  config \(runs ?? "-")"
            if reported?["drift"] == .bool(true) { text += " DRIFT" }
            if runs != want {
                let last = reported?["last"]
                let refused = number(last?["version"]) == want && last?["result"] == .string("refused")
                text += " (\(want) \(refused ? "refused" : "pending"))"
            }
            return text
        }
    }
}
