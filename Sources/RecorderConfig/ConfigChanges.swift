/// What differs between the running config and a new one, as the daemon applies it:
/// cameras one by one, everything else at the next start.
public struct ConfigChanges: Sendable, Equatable {
    /// Camera ids, in the new config's order.
    public var added: [String] = []
    public var removed: [String] = []
    /// Cameras whose own settings, effective segment length or recipients changed: each
    /// closes its open segment and starts again with the new settings.
    public var changed: [String] = []
    /// Top-level fields that take effect only when the daemon starts again.
    public var restartRequired: [String] = []

    public init(from old: RecorderConfiguration, to new: RecorderConfiguration) {
        let recipientsChanged = old.recipients != new.recipients
        for camera in new.cameras {
            guard let before = old.cameras.first(where: { $0.id == camera.id }) else {
                added.append(camera.id)
                continue
            }
            let lengthChanged =
                (before.segmentSeconds ?? old.segmentSeconds) != (camera.segmentSeconds ?? new.segmentSeconds)
            if before != camera || lengthChanged || recipientsChanged { changed.append(camera.id) }
        }
        removed = old.cameras.map(\.id).filter { id in !new.cameras.contains { $0.id == id } }
        let fields: [(String, Bool)] = [
            ("gateway", old.gateway != new.gateway), ("stateDirectory", old.stateDirectory != new.stateDirectory),
            ("fsyncSeconds", old.fsyncSeconds != new.fsyncSeconds), ("storage", old.storage != new.storage),
            ("destinations", old.destinations != new.destinations), ("control", old.control != new.control),
            ("watchdog", old.watchdog != new.watchdog),
        ]
        restartRequired = fields.filter(\.1).map(\.0)
    }

    /// Nothing to do now (a restart may still be needed).
    public var camerasUnchanged: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// The config the daemon runs with after applying `new` to `old` now: the new cameras,
    /// recipients and segment length; everything else as it was until the next start.
    public static func running(old: RecorderConfiguration, new: RecorderConfiguration) -> RecorderConfiguration {
        var running = old
        running.cameras = new.cameras
        running.recipients = new.recipients
        running.segmentSeconds = new.segmentSeconds
        return running
    }
}
