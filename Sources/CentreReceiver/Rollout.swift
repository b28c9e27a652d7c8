import EdgeJSON
import EdgeSystem

/// A release offered stage by stage (a canary group first): each stage is offered once
/// every gateway of the stage before has committed the release, and the rollout halts as
/// soon as more than `maxFailures` gateways have rolled it back or refused it. Gateways
/// not yet offered it are never offered it then; those that have it keep what they run.
public struct Rollout: Sendable, Equatable {
    public enum State: String, Sendable { case running, halted, done }

    public var version: String
    public var sha256: String
    /// The desired state every stage is offered (canonical JSON).
    public var desired: [UInt8]
    public var stages: [[String]]
    /// The stage offered last (0-based).
    public var stage: Int
    public var maxFailures: Int
    public var state: State
    /// Why it halted, or how far it got.
    public var note: String

    public init(version: String, sha256: String, desired: [UInt8], stages: [[String]], maxFailures: Int) {
        self.version = version
        self.sha256 = sha256
        self.desired = desired
        self.stages = stages
        self.stage = 0
        self.maxFailures = maxFailures
        self.state = .running
        self.note = "stage 1 of \(stages.count) offered"
    }

    public var json: JSONValue {
        .object([
            ("version", .string(version)), ("sha256", .string(sha256)),
            ("desired", (try? JSONParser.parse(desired)) ?? .null),
            ("stages", .array(stages.map { .array($0.map { .string($0) }) })), ("stage", .integer(Int64(stage))),
            ("maxFailures", .integer(Int64(maxFailures))), ("state", .string(state.rawValue)), ("note", .string(note)),
        ])
    }

    init?(json value: JSONValue) {
        guard case .string(let version)? = value["version"], case .string(let sha)? = value["sha256"],
            let desired = value["desired"], case .object = desired,
            case .array(let stageValues)? = value["stages"],
            case .number(let stageText)? = value["stage"], let stage = Int(stageText),
            case .number(let failText)? = value["maxFailures"], let maxFailures = Int(failText),
            case .string(let stateText)? = value["state"], let state = State(rawValue: stateText),
            case .string(let note)? = value["note"]
        else { return nil }
        var stages: [[String]] = []
        for item in stageValues {
            guard case .array(let names) = item else { return nil }
            stages.append(names.compactMap { if case .string(let s) = $0 { s } else { nil } })
        }
        guard (0..<max(1, stages.count)).contains(stage) else { return nil }
        self.version = version
        self.sha256 = sha
        self.desired = CanonicalJSON.encode(desired)
        self.stages = stages
        self.stage = stage
        self.maxFailures = maxFailures
        self.state = state
        self.note = note
    }

    /// What a gateway's report says about this release: its latest outcome for it.
    static func result(for version: String, in report: JSONValue?) -> String? {
        guard case .array(let outcomes)? = report?["report"]?["outcomes"] else { return nil }
        for outcome in outcomes {
            if case .string(let v)? = outcome["version"], v == version, case .string(let result)? = outcome["result"] {
                return result
            }
        }
        return nil
    }

    /// The next step given every gateway's last report: a stage to offer, or nothing.
    mutating func advance(reports: (String) -> JSONValue?) -> [String]? {
        guard state == .running else { return nil }
        let offered = stages[...stage].flatMap { $0 }
        let failed = offered.compactMap { gateway -> String? in
            let result = Self.result(for: version, in: reports(gateway))
            return result == "rolled-back" || result == "refused" ? "\(gateway) (\(result!))" : nil
        }
        if failed.count > maxFailures {
            state = .halted
            note = "halted at stage \(stage + 1) of \(stages.count): \(failed.count) failure(s), more than \(maxFailures): \(failed.joined(separator: ", "))"
            return nil
        }
        let committed = stages[stage].filter { Self.result(for: version, in: reports($0)) == "committed" }
        guard committed.count == stages[stage].count else {
            note = "stage \(stage + 1) of \(stages.count): \(committed.count) of \(stages[stage].count) committed"
            return nil
        }
        guard stage + 1 < stages.count else {
            state = .done
            note = "every stage committed"
            return nil
        }
        stage += 1
        note = "stage \(stage + 1) of \(stages.count) offered"
        return stages[stage]
    }
}
