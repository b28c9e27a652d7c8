import EdgeJSON
import EdgeSystem
import Logging
import Recorder
import ServiceLifecycle
import Synchronization
import Updater
import Watchdog

/// The daemon was started from the release on probation and it failed to prove itself:
/// it was rolled back, and the daemon exits (status 75) so that systemd starts the
/// committed release.
public struct RolledBackRelease: Error, CustomStringConvertible {
    public var version: String
    public var reason: String
    public var description: String { "release \(version) was rolled back (\(reason)); restart to run the committed release" }
}

/// What the probation decided, for `run` to act on once the group has stopped.
final class ProbationOutcome: Sendable {
    let rolledBack = Mutex<RolledBackRelease?>(nil)
}

extension RecorderDaemon {
    /// The probation of the running release, when `current` names the slot on probation.
    func probation(started: MonotonicInstant) -> (Updater, Probation)? {
        guard let paths = updatePaths else { return nil }
        let updater = Updater(paths: paths, time: sources.time)
        let status: UpdateStatus
        do { status = try updater.status() } catch {
            logger.error("cannot read the update state: \(error)")
            return nil
        }
        guard let on = status.state.probation, status.current == on.slot else { return nil }
        logger.notice("release \(on.version) is on probation", metadata: [
            "slot": "\(on.slot.rawValue)", "start": "\(on.starts)", "deadline_s": "\(Int(probationDeadline.seconds))",
        ])
        return (
            updater,
            Probation(
                version: on.version, cameras: config.cameras.map(\.id), needsDelivery: !config.destinations.isEmpty,
                started: started, deadline: probationDeadline)
        )
    }

    /// Looks once a second until the release commits or is rolled back; a rollback stops
    /// the daemon (`rolledBack` says so to `run`).
    func probationService(
        _ watch: (Updater, Probation)?, board: HealthBoard, events: EventHub, early: EarlyStop.Service,
        outcome: ProbationOutcome
    ) throws -> PartService {
        guard let (updater, probation) = watch else { return PartService("probation", stop: { _ in }) }
        let (time, logger) = (sources.time, logger)
        let stop = try Wakeup()
        let done = try Wakeup()
        return PartService(
            "probation",
            start: {
                startThread(name: "probation") {
                    defer { done.signal() }
                    while true {
                        let now = time.monotonicNow()
                        if let decision = probation.decide(problems: board.problems(at: now), at: now) {
                            Self.carryOut(decision, probation, updater, events, logger, outcome: outcome, early: early)
                            return
                        }
                        if time.wait(until: now + .seconds(1), orStop: stop) { return }
                    }
                }
            },
            stop: { _ in
                stop.signal()
                await offThePool { _ = done.wait(timeout: .seconds(5)) }
            })
    }

    private static func carryOut(
        _ decision: Probation.Decision, _ probation: Probation, _ updater: Updater, _ events: EventHub, _ logger: Logger,
        outcome: ProbationOutcome, early: EarlyStop.Service
    ) {
        let fields: (String) -> [(String, JSONValue)] = { [("version", .string(probation.version)), ("detail", .string($0))] }
        switch decision {
        case .commit(let detail):
            do {
                try updater.commit(detail: detail)
                logger.notice("release \(probation.version) committed: \(detail)")
                events.publish(DaemonEvent(.updateCommitted, fields(detail)))
            } catch {
                logger.error("release \(probation.version) proved itself but could not be committed: \(error)")
            }
        case .rollBack(let reason):
            do {
                _ = try updater.rollBack(reason: reason)
            } catch {
                logger.critical("release \(probation.version) failed its probation and could not be rolled back: \(error)")
                return
            }
            logger.critical("release \(probation.version) rolled back: \(reason); stopping to start the committed release")
            events.publish(DaemonEvent(.updateRolledBack, fields(reason)))
            outcome.rolledBack.withLock { $0 = RolledBackRelease(version: probation.version, reason: reason) }
            if let group = early.group.withLock({ $0 }) { Task { await group.triggerGracefulShutdown() } }
        }
    }
}
