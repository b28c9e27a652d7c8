import EdgeSystem
import Synchronization

/// Where every stage of the pipeline says how it is doing. A stage is a named check that
/// looks at the stage's own progress and answers nil (healthy, or legitimately idle: a
/// camera known to be unplugged, an uplink that is offline) or what is wrong. The
/// watchdog kicks only while every check answers nil.
public final class HealthBoard: Sendable {
    public typealias Check = @Sendable (MonotonicInstant) -> String?

    private let checks = Mutex<[(name: String, check: Check)]>([])

    public init() {}

    public func add(_ name: String, _ check: @escaping Check) {
        checks.withLock { $0.append((name, check)) }
    }

    /// The problems now, as "stage: what"; empty when healthy.
    public func problems(at now: MonotonicInstant) -> [String] {
        let all = checks.withLock { $0 }
        return all.compactMap { entry in entry.check(now).map { "\(entry.name): \($0)" } }
    }

    public var stageNames: [String] { checks.withLock { $0.map(\.name) } }
}
