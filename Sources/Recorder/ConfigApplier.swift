import AgeKeys
import ControlAudit
import ControlSocket
import EdgeCore
import EdgeJSON
import EdgeSystem
import Logging
import RecorderConfig
import Synchronization

/// Applies a new config to the running daemon, atomically: validate it with the daemon's
/// own validator, write it (fsync, rename) and keep it in the history, then restart only
/// the cameras it changes. A camera it adds or changes that has not streamed within the
/// settle time rolls the whole change back to the config before, and the answer says why.
/// Fields outside the cameras (storage, destinations, …) are written and take effect at
/// the next start; the answer lists them.
///
/// The audit line names every setting that changed, with old → new for `recipients` and
/// `uplink.destinations`. New recipients also raise a `config.recipients-changed` event and
/// leave a signed `recipients-changed` record at the head of each camera's chain, sealed
/// by the camera's new instance before its first segment: the centre sees from which
/// sequence on footage is sealed to whom.
package final class ConfigApplier: Sendable {
    package let path: String
    private let roster: CameraRoster
    private let supervisor: CameraSupervisor
    private let makeCamera: CameraFactory
    package let history: ConfigHistory
    private let events: EventHub
    private let time: any TimeSource
    private let logger: Logger
    private let busy = Atomic<Bool>(false)
    /// How long a camera that is replaced may take to seal its segment and stop.
    package static let stopTimeout = Duration.seconds(15)

    package init(
        path: String, roster: CameraRoster, supervisor: CameraSupervisor, makeCamera: @escaping CameraFactory,
        history: ConfigHistory, events: EventHub, time: any TimeSource, logger: Logger
    ) {
        self.path = path
        self.roster = roster
        self.supervisor = supervisor
        self.makeCamera = makeCamera
        self.history = history
        self.events = events
        self.time = time
        self.logger = logger
    }

    /// Applies `bytes`, noting what changed on `audit` (whose line the caller finishes with
    /// the answer's outcome).
    package func apply(_ bytes: [UInt8], peer: PeerCredentials, audit: AuditEntry, settle: Duration) async -> ControlResponse {
        guard !busy.exchange(true, ordering: .acquiringAndReleasing) else {
            return .error(409, "another config change is in progress; try again when it has finished")
        }
        defer { busy.store(false, ordering: .releasing) }
        let new: RecorderConfiguration
        do { new = try ConfigLoader.parse(bytes, source: "the new config") } catch {
            return .json(
                .object([("error", .string(error.description)), ("problems", .array(error.problems.map { .string("\($0)") }))]),
                status: 422)
        }
        let old = roster.config
        let oldServices = roster.services
        let changes = ConfigChanges(from: old, to: new)
        let previousBytes = (try? FileSystem.readFile(path, limit: ConfigLoader.sizeLimit)) ?? []
        Self.note(changes, old: old, new: new, oldBytes: previousBytes, newBytes: bytes, on: audit)
        if previousBytes == bytes && changes.camerasUnchanged {
            return .json(.object([("applied", .bool(true)), ("unchanged", .bool(true))] + Self.fields(changes)))
        }
        // Everything that can fail without side effects comes first.
        let running = ConfigChanges.running(old: old, new: new)
        let notice = Self.recipientsNotice(old: old.recipients, new: new.recipients, peer: peer)
        var started: [CameraService] = []
        do {
            for id in changes.added + changes.changed {
                try started.append(makeCamera(new.cameras.first { $0.id == id }!, running, notice))
            }
        } catch {
            return .error(500, "cannot set up the new cameras (\(error)); nothing was changed")
        }
        let version: ConfigHistory.Version
        do {
            // The config the daemon started with is the first version.
            if history.versions().isEmpty, !previousBytes.isEmpty { try history.save(previousBytes, at: time.wallNow()) }
            version = try history.save(bytes, at: time.wallNow())
        } catch {
            return .error(500, "cannot keep the config in \(history.directory): \(error); nothing was changed")
        }
        do { try Self.install(bytes, at: path) } catch {
            try? FileSystem.remove(version.path)
            return .error(500, "cannot write \(path): \(error); nothing was changed")
        }
        let notStopped = await swap(to: running, services: started, replacing: changes.removed + changes.changed, from: oldServices)
        logger.notice("config applied", metadata: [
            "version": "\(version.number)", "uid": "\(peer.uid)", "added": "\(changes.added)",
            "removed": "\(changes.removed)", "changed": "\(changes.changed)", "restart_required": "\(changes.restartRequired)",
        ])
        audit.note("version", DaemonEvent.number(version.number))
        if let failure = await failedCamera(started, within: settle) {
            return await rollBack(
                to: previousBytes, config: old, peer: peer, failedVersion: version.number, why: failure, changes: changes,
                audit: audit)
        }
        events.publish(DaemonEvent(.configApplied, [("version", DaemonEvent.number(version.number)), ("uid", DaemonEvent.number(peer.uid))] + Self.fields(changes)))
        if old.recipients != new.recipients {
            events.publish(DaemonEvent(.configRecipientsChanged, [
                ("uid", DaemonEvent.number(peer.uid)), ("version", DaemonEvent.number(version.number)),
                ("old", .array(old.recipients.map { .string($0.encoded) })), ("new", .array(new.recipients.map { .string($0.encoded) })),
            ]))
            logger.warning("recipients changed: new segments are sealed to other keys", metadata: [
                "uid": "\(peer.uid)", "old": "\(old.recipients.map(\.encoded))", "new": "\(new.recipients.map(\.encoded))",
            ])
        }
        var answer: [(String, JSONValue)] = [("applied", .bool(true)), ("version", DaemonEvent.number(version.number))]
        if !notStopped.isEmpty {
            answer.append(("warning", .string("camera \(notStopped.joined(separator: ", ")) has not stopped yet (capture stuck?); its new settings start when it does")))
        }
        if !changes.restartRequired.isEmpty {
            answer.append(("note", .string("\(changes.restartRequired.joined(separator: ", ")) take effect when edge-recorderd starts again (systemctl restart edge-recorder)")))
        }
        return .json(.object(answer + Self.fields(changes)))
    }

    /// Writes the config file so that a power cut leaves the old or the new one, whole.
    package static func install(_ bytes: [UInt8], at path: String) throws(SystemError) {
        try FileSystem.writeAtomically(bytes, to: path)
        try FileSystem.syncDirectory(FileSystem.directory(of: path))
    }

    /// Stops the cameras `replacing` names and starts `services` (the supervisor starts each
    /// once the instance it replaces has stopped). Waits up to `stopTimeout` for the
    /// stopped ones, and names those that did not stop.
    @discardableResult
    private func swap(to config: RecorderConfiguration, services: [CameraService], replacing: [String], from old: [CameraService]) async
        -> [String]
    {
        let stopping = old.filter { replacing.contains($0.camera.id) }
        let kept = old.filter { !replacing.contains($0.camera.id) }
        roster.replace(
            config: config,
            services: config.cameras.compactMap { c in
                services.first { $0.camera.id == c.id } ?? kept.first { $0.camera.id == c.id }
            })
        for camera in stopping { camera.stop() }
        for camera in services { supervisor.launch(camera) }
        var stuck: [String] = []
        for camera in stopping where await !camera.finished(within: Self.stopTimeout) {
            logger.error("camera \(camera.camera.id) has not stopped after \(Int(Self.stopTimeout.seconds)) s (capture stuck?); its new settings start when it does")
            stuck.append(camera.camera.id)
        }
        return stuck
    }

    /// The first new camera that has not streamed within `settle`, and why.
    private func failedCamera(_ cameras: [CameraService], within settle: Duration) async -> String? {
        guard settle > .zero, !cameras.isEmpty else { return nil }
        let deadline = ContinuousClock.now + settle
        while ContinuousClock.now < deadline {
            if cameras.allSatisfy({ $0.progress.streamingSince != nil }) { return nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
        guard let camera = cameras.first(where: { $0.progress.streamingSince == nil }) else { return nil }
        let why =
            supervisor.isWaiting(camera)
            ? "its previous instance has not stopped (capture stuck?)" : camera.buffer.status.lastFailure ?? "no picture yet"
        return "camera \(camera.camera.id) did not stream within \(Int(settle.seconds)) s: \(why)"
    }

    private func rollBack(
        to bytes: [UInt8], config: RecorderConfiguration, peer: PeerCredentials, failedVersion: Int, why: String,
        changes: ConfigChanges, audit: AuditEntry
    ) async -> ControlResponse {
        logger.error("config version \(failedVersion) rolled back: \(why)")
        let current = roster.services
        // The cameras the failed config changed go back as they were; new objects, since a
        // service runs once.
        let back = ConfigChanges(from: roster.config, to: config)
        var restored: [CameraService] = []
        var problems: [String] = []
        let notice = Self.recipientsNotice(old: roster.config.recipients, new: config.recipients, peer: peer)
        for id in back.added + back.changed {
            do { try restored.append(makeCamera(config.cameras.first { $0.id == id }!, config, notice)) } catch {
                problems.append("camera \(id) could not be set up again: \(error)")
            }
        }
        var restoredVersion: Int?
        audit.note("rolledBack", .bool(true))
        audit.note("failedVersion", DaemonEvent.number(failedVersion))
        do {
            if bytes.isEmpty {
                problems.append("\(path) could not be read before the change, so it was not written back")
            } else {
                let saved = try history.save(bytes, at: time.wallNow())
                try Self.install(bytes, at: path)
                restoredVersion = saved.number
            }
        } catch {
            problems.append("cannot write \(path) back: \(error)")
        }
        await swap(to: config, services: restored, replacing: back.removed + back.changed, from: current)
        events.publish(DaemonEvent(.configRolledBack, [
            ("failedVersion", DaemonEvent.number(failedVersion)), ("why", .string(why)),
        ] + (restoredVersion.map { [("version", DaemonEvent.number($0))] } ?? [])))
        var answer: [(String, JSONValue)] = [
            ("error", .string("\(why); the change was rolled back and the config before it runs again")),
            ("rolledBack", .bool(true)), ("failedVersion", DaemonEvent.number(failedVersion)),
        ]
        if let restoredVersion { answer.append(("version", DaemonEvent.number(restoredVersion))) }
        if !problems.isEmpty { answer.append(("problems", .array(problems.map { .string($0) }))) }
        return .json(.object(answer + Self.fields(changes)), status: 422)
    }

    /// The audit line's account of a change: the settings that differ, and for recipients
    /// and destinations the values before and after.
    package static func note(
        _ changes: ConfigChanges, old: RecorderConfiguration, new: RecorderConfiguration, oldBytes: [UInt8], newBytes: [UInt8],
        on audit: AuditEntry
    ) {
        for (key, value) in fields(changes) { audit.note(key, value) }
        if let before = try? JSONParser.parse(oldBytes), let after = try? JSONParser.parse(newBytes) {
            audit.note("settings", .array(ConfigDiff.paths(from: before, to: after).map { .string($0) }))
        }
        if old.recipients != new.recipients {
            audit.note("recipients", .object([
                ("old", .array(old.recipients.map { .string($0.encoded) })), ("new", .array(new.recipients.map { .string($0.encoded) })),
            ]))
        }
        if old.destinations != new.destinations {
            func describe(_ d: [DestinationConfiguration]) -> JSONValue { .array(d.map { .string("\($0.name) \($0.url)") }) }
            audit.note("destinations", .object([("old", describe(old.destinations)), ("new", describe(new.destinations))]))
        }
    }

    /// The detail of the `recipients-changed` record each camera seals when the recipients
    /// change; nil when they do not.
    package static func recipientsNotice(old: [AgeRecipient], new: [AgeRecipient], peer: PeerCredentials) -> String? {
        guard old != new else { return nil }
        return "recipients changed by uid \(peer.uid): \(old.map(\.encoded).joined(separator: " ")) -> \(new.map(\.encoded).joined(separator: " ")); segments after this record are sealed to the new recipients"
    }

    package static func fields(_ changes: ConfigChanges) -> [(String, JSONValue)] {
        [
            ("added", .array(changes.added.map { .string($0) })), ("removed", .array(changes.removed.map { .string($0) })),
            ("changed", .array(changes.changed.map { .string($0) })),
            ("restartRequired", .array(changes.restartRequired.map { .string($0) })),
        ]
    }
}
