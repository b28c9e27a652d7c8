import EdgeJSON
import EdgeSystem
import Logging
import Recorder
import ServiceLifecycle
import Synchronization
import UpdateChannel
import Updater
import Watchdog

/// The daemon stops to start another release: a rollback at the end of a failed
/// probation, or a release the centre sent installed on probation. `run` throws it once
/// the group has stopped; `edge-recorderd` exits 75 and systemd starts what `current` names.
public struct SlotSwitched: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "\(reason); restarting to run the release the current slot names" }
}

/// A switch asked for while the group runs: the reason is kept for `run`, and the group
/// is shut down gracefully (cameras seal, the uplink drains) before the exit.
final class SlotSwitchRequest: Sendable {
    let reason = Mutex<String?>(nil)

    func request(_ why: String, early: EarlyStop.Service) {
        reason.withLock { $0 = $0 ?? why }
        if let group = early.group.withLock({ $0 }) { Task { await group.triggerGracefulShutdown() } }
    }
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
        switching: SlotSwitchRequest, committed: @escaping @Sendable () -> Void
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
                            Self.carryOut(decision, probation, updater, events, logger, switching: switching, early: early)
                            if case .commit = decision { committed() }
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
        switching: SlotSwitchRequest, early: EarlyStop.Service
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
            switching.request("release \(probation.version) was rolled back (\(reason))", early: early)
        }
    }
}
