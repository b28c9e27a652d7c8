import ControlRoutes
import Recorder
import ControlAudit
import ControlSocket
import Custody
import DeviceIdentity
import EdgeCore
import EdgeSystem
import Logging
import RecorderConfig
import Sealer
import SegmentRing
import Segmenter
import ServiceLifecycle
import Synchronization
import Updater
import Uplink
import Watchdog

/// The daemon: every configured camera under one supervisor `Service` (so a config change
/// can restart one camera alone). SIGTERM and SIGINT shut it down gracefully: every open
/// segment is sealed and signed.
public struct RecorderDaemon: Sendable {
    public let config: RecorderConfiguration
    public let sources: SourceFactory
    public let logger: Logger
    /// The file `config` was read from (shown and compared over the control socket).
    public var configPath: String?
    /// Where the firmware slots are (nil: not installed in slots, no probation).
    public var updatePaths: UpdatePaths?
    /// How long a release on probation has to prove itself.
    public var probationDeadline: Duration

    public init(
        config: RecorderConfiguration, sources: SourceFactory, logger: Logger, configPath: String? = nil,
        updatePaths: UpdatePaths? = nil, probationDeadline: Duration = .seconds(600)
    ) {
        self.configPath = configPath
        self.updatePaths = updatePaths
        self.probationDeadline = probationDeadline
        self.config = config
        self.sources = sources
        self.logger = logger
    }

    public func run() async throws {
        try FileSystem.makeDirectories(config.stateDirectory, mode: 0o750)
        // Before anything reads or writes the state: one daemon per state directory.
        let lock = try DirectoryLock.acquire(directory: config.stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        let key = try DeviceKey.loadOrCreate(stateDirectory: config.stateDirectory)
        if key.wasCreated {
            logger.notice("created the device key: give its public key to the centre", metadata: ["public_key": "\(key.publicKey.base64)"])
        }
        let chain = try ManifestChain(
            stateDirectory: config.stateDirectory, gateway: config.gateway, firmwareVersion: Firmware.version, key: key)
        let layout = RingLayout(stateDirectory: config.stateDirectory)
        let ledger = CustodyLedger(
            chain: chain, publicKey: key.publicKey, checkpoints: layout.checkpoints, time: sources.time,
            clockSynced: { ClockStatus.isSynchronised() })
        let recovery = RingRecovery(layout: layout, ledger: ledger, time: sources.time)
        let started = sources.time.monotonicNow()
        let recovered = try recovery.recover(cameras: config.cameras.map(\.id))
        logger.info(recovered.lastRunCrashed ? "ring recovered after a crash" : "ring ready", metadata: [
            "segments": "\(recovered.segments)", "truncated": "\(recovered.truncatedSegments)",
            "crash_gaps": "\(recovered.crashGaps)", "debris_removed": "\(recovered.debrisRemoved)",
            "ms": "\((sources.time.monotonicNow() - started).nanoseconds / 1_000_000)",
        ])
        let keeper = RingKeeper(
            layout: layout, holds: HoldBook(stateDirectory: config.stateDirectory), bounds: RingBounds(config.storage),
            custody: LedgerCustody(layout: layout, ledger: ledger, time: sources.time), time: sources.time)
        try keeper.scan()
        let (time, fsync) = (sources.time, Duration.seconds(config.fsyncSeconds))
        let ringLogger = logger
        let ringHealth = RingHealth(startedAt: sources.time.monotonicNow())
        let clock = sources.time
        let metrics = RecorderMetrics()
        let tracker = UplinkTracker(time: time)
        let watch = probation(started: started)
        let hub = EventHub(time: time) { event in
            metrics.observe(event)
            tracker.observe(event)
            watch?.1.observe(event)
        }
        let events: @Sendable (RingEvent) -> Void = { event in
            Self.log(event, ringLogger)
            hub.publish(DaemonEvent(event))
            if case .storageFault(let why) = event { ringHealth.failed(why, at: clock.monotonicNow()) }
        }
        let (sources, logger) = (self.sources, self.logger)
        // One camera as a given config runs it: sealed to that config's recipients.
        let makeCamera: CameraFactory = { camera, config, notice in
            let recipients = config.recipients
            return try CameraService(
                camera: camera, defaultSegmentSeconds: config.segmentSeconds, sources: sources,
                store: {
                    let store = try SealedSegmentStore(
                        layout: layout, recipients: recipients, ledger: ledger, time: time, syncInterval: fsync,
                        keeper: keeper, events: events)
                    // Made when the camera starts: after its previous instance sealed its last
                    // segment (to the old recipients), before its first one to the new.
                    if let notice { try store.recordNotice(camera: camera.id, cause: .recipientsChanged, detail: notice) }
                    return store
                },
                logger: logger, events: hub.publish, recorded: metrics.recordLatency(camera: camera.id))
        }
        let services = try config.cameras.map { try makeCamera($0, config, nil) }
        let roster = CameraRoster(config: config, services: services)
        let supervisor = CameraSupervisor(cameras: services, time: time)
        logger.info("edge-recorderd starting", metadata: [
            "gateway": "\(config.gateway)", "cameras": "\(services.count)", "state": "\(config.stateDirectory)",
            "recipients": "\(config.recipients.count)", "firmware": "\(Firmware.version)",
        ])
        if services.isEmpty {
            logger.warning("no cameras configured: nothing is recorded until cameras are added (edgectl setup)")
        }
        if config.destinations.isEmpty {
            logger.warning("no destination configured: nothing is uploaded until the box is enrolled (edgectl enrol)")
        }
        if let hang = FaultSwitch.hangCaptureAfter {
            logger.warning("test fault switch EDGE_FAULT_HANG_CAPTURE_AFTER is set: every capture loop hangs \(Int(hang.seconds)) s after its camera opens")
        }
        for destination in config.destinations {
            // A renewal (edgectl enrol renew) a power cut stopped half way: finished before
            // the files are used, so the key and the certificate always belong together.
            do {
                if try FileSet.recover(destination.credentialFiles) {
                    logger.notice("finished replacing the TLS files of destination \(destination.name) (a renewal was interrupted)")
                }
            } catch {
                logger.error("cannot finish replacing the TLS files of destination \(destination.name): \(error)")
            }
        }
        let uplinkLogger = logger
        let uplink = try config.destinations.isEmpty ? nil : Uplink.start(
            ring: layout, acknowledgements: keeper, holds: HoldBook(stateDirectory: config.stateDirectory),
            destinations: config.destinations.map(\.uplinkDestination), time: sources.time,
            events: { event in
                UplinkLog.log(event, uplinkLogger)
                if case .progress(let destination, _, _, _) = event { tracker.moved(destination) }
                if let published = DaemonEvent(event) { hub.publish(published) }
            })
        if uplink != nil { logger.info("uploading", metadata: ["destinations": "\(config.destinations.map(\.name).joined(separator: ","))"]) }
        let watchdog = try makeWatchdog(
            roster: roster, supervisor: supervisor, uplink: uplink, tracker: tracker, events: hub, ringHealth: ringHealth, lastRunCrashed: recovered.lastRunCrashed)
        let audit = AuditLog(path: config.stateDirectory + "/audit.log", time: sources.time)
        let applier = configPath.map {
            ConfigApplier(
                path: $0, roster: roster, supervisor: supervisor, makeCamera: makeCamera,
                history: ConfigHistory(stateDirectory: config.stateDirectory), events: hub, time: sources.time, logger: logger)
        }
        let routes = ControlRoutes(
            roster: roster, configPath: configPath, applier: applier, events: hub, metrics: metrics, tracker: tracker,
            keeper: keeper, holds: HoldBook(stateDirectory: config.stateDirectory), uplink: uplink, watchdog: watchdog.runner,
            audit: audit, time: sources.time, started: started, clockSynced: { ClockStatus.isSynchronised() })
        let probe = try ControlProbe(path: config.control.socket, time: sources.time)
        probe.install(on: watchdog.board, stuck: .seconds(config.watchdog.stuckSeconds))
        let early = EarlyStop.Service()
        let switching = SlotSwitchRequest()
        let channel = updateChannel(
            configs: applier.map { PushedConfig(gateway: config.gateway, applier: $0, audit: audit, events: hub) })
        let proving = try probationService(
            watch, board: watchdog.board, events: hub, early: early, switching: switching, committed: { channel?.reportSoon() })
        let fetching = try updateChannelService(channel, early: early, switching: switching)
        // One group. Started in this order and shut down in the reverse: the cameras seal
        // their segments first, then the sockets close, then the uplink delivers what was
        // sealed last, and the watchdog, which kept watching all along, stops last. A
        // release on probation is judged, and the centre asked for updates, while all of
        // them run.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: early),
                    .init(service: watchdogService(watchdog.runner)),
                    .init(service: uplinkService(uplink)),
                    .init(service: controlService(routes, probe: probe)),
                    .init(service: metricsService(routes)),
                    .init(service: supervisor),
                    .init(service: proving),
                    .init(service: fetching),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        // A stop that came during start-up (ring recovery): the group starts, then shuts
        // down at once, gracefully. `early` checks again once the group handles signals.
        early.group.withLock { $0 = group }
        if EarlyStop.wasRequested { await group.triggerGracefulShutdown() }
        try await group.run()
        try recovery.markCleanStop()
        logger.info("edge-recorderd stopped cleanly", metadata: ["evicted_unsent": "\(keeper.evictedUnsentCount)"])
        if let reason = switching.reason.withLock({ $0 }) { throw SlotSwitched(reason: reason) }
    }

    /// Kicks the watchdogs while the group runs. Stopped last; a graceful stop is a clean
    /// one (the hardware disarmed, systemd told), a cancellation (a camera failed) is not.
    func watchdogService(_ runner: WatchdogRunner) -> PartService {
        PartService("watchdog", start: { runner.start() }, stop: { graceful in runner.stop(clean: graceful) })
    }

    /// On a graceful stop, gives the uplink up to 10 s to deliver what the cameras sealed
    /// last; whatever is left goes after the restart. Then every transfer stops.
    func uplinkService(_ uplink: Uplink?) -> PartService {
        let (logger, time) = (self.logger, sources.time)
        return PartService("uplink") { graceful in
            guard let uplink else { return }
            if graceful {
                let left = await offThePool { uplink.drain(time: time) }
                logger.info("uplink stopped", metadata: ["pending": "\(left)"])
            }
            await offThePool { uplink.stop() }
        }
    }

    /// The control socket (and the self-probe that asks it): recording goes on without
    /// them when the socket cannot be opened (the error says why).
    func controlService(_ routes: ControlRoutes, probe: ControlProbe) -> PartService {
        let server = Mutex<ControlServer?>(nil)
        return PartService(
            "control socket",
            start: {
                server.withLock { $0 = startControl(routes) }
                if server.withLock({ $0 != nil }) { probe.start() }
            },
            stop: { _ in
                probe.close()
                server.withLock { $0?.stop() }
            })
    }

    /// The optional TCP listener for `GET /metrics` (`control.metricsListen`).
    func metricsService(_ routes: ControlRoutes) -> PartService {
        let server = Mutex<ControlServer?>(nil)
        return PartService(
            "metrics listener", start: { server.withLock { $0 = startMetricsListener(routes) } },
            stop: { _ in server.withLock { $0?.stop() } })
    }

    /// The health board and the runner that kicks the watchdogs (hardware and systemd)
    /// while it is healthy (started by `watchdogService`). After a restart storm the
    /// hardware watchdog is left unarmed.
    func makeWatchdog(
        roster: CameraRoster, supervisor: CameraSupervisor, uplink: Uplink?, tracker: UplinkTracker, events: EventHub, ringHealth: RingHealth, lastRunCrashed: Bool
    ) throws -> (board: HealthBoard, runner: WatchdogRunner) {
        let settings = config.watchdog
        let board = HealthBoard()
        HealthChecks.install(on: board, roster: roster, stuck: .seconds(settings.stuckSeconds), ring: ringHealth)
        let stuck = Duration.seconds(settings.stuckSeconds)
        // A camera stopped by a config change whose capture never returns.
        board.add("camera restarts") { now in
            let waiting = supervisor.stuckRestarts(at: now, limit: stuck)
            return waiting.isEmpty
                ? nil : waiting.map { "\($0.camera): the previous instance has not stopped for \($0.seconds) s" }.joined(separator: "; ")
        }
        if let uplink {
            HealthChecks.install(
                on: board, uplink: uplink, destinations: config.destinations.map(\.uplinkDestination), tracker: tracker,
                stuck: .seconds(settings.stuckSeconds), time: sources.time)
        }
        let storm = StartHistory(stateDirectory: config.stateDirectory)
            .recordStart(lastRunCrashed: lastRunCrashed, at: sources.time.wallNow())
        if let storm { logger.critical("restart storm, running degraded: \(storm)") }
        var device: HardwareWatchdog?
        if let path = settings.device, storm == nil {
            do {
                let opened = try HardwareWatchdog(path: path, timeoutSeconds: settings.timeoutSeconds)
                logger.info("hardware watchdog armed", metadata: [
                    "device": "\(path)", "identity": "\(opened.identity)", "timeout_s": "\(opened.timeoutSeconds)",
                ])
                device = opened
            } catch {
                logger.error("no hardware watchdog: \(error)")
            }
        }
        let notifier = SystemdNotifier()
        let logger = self.logger
        let time = sources.time
        let clock = Mutex(ClockSteps())
        let runner = try WatchdogRunner(
            board: board, device: device, notifier: notifier, time: sources.time, degraded: storm,
            isReady: { roster.services.allSatisfy { $0.buffer.status.state != .starting } },
            statusLine: {
                let services = roster.services
                let streaming = services.count { $0.buffer.status.state == .streaming }
                let waiting = uplink?.status().reduce(0) { $0 + $1.pending }
                return "recording \(streaming)/\(services.count) cameras" + (waiting.map { ", \($0) waiting for upload" } ?? "")
                    + (storm == nil ? "" : "; DEGRADED after a restart storm")
            },
            log: { level, message in logger.log(level: Logger.Level(rawValue: level) ?? .info, "\(message)") },
            observe: { change in
                switch change {
                case .stuck(let problems):
                    events.publish(DaemonEvent(.watchdogStuck, [("problems", .array(problems.map { .string($0) }))]))
                case .healthy:
                    events.publish(DaemonEvent(.watchdogHealthy))
                case .tick(let now):
                    guard let step = clock.withLock({ $0.look(wall: time.wallNow(), monotonic: now) }) else { return }
                    logger.warning("the wall clock stepped by \(ControlRoutes.decimal(step.seconds, places: 3)) s")
                    events.publish(DaemonEvent(.clockStepped, [("seconds", .number(ControlRoutes.decimal(step.seconds, places: 3)))]))
                }
            })
        return (board, runner)
    }

    /// The control socket; recording goes on without it when it cannot be opened (the
    /// error says why).
    func startControl(_ routes: ControlRoutes) -> ControlServer? {
        let path = config.control.socket
        do {
            try FileSystem.makeDirectories(FileSystem.directory(of: path), mode: 0o755)
            let logger = self.logger
            let server = try ControlServer.start(
                .init(path: path, access: AccessPolicy(groupName: config.control.group)), responder: routes,
                log: { logger.warning("\($0)") })
            let access = server.configuration.access
            logger.info("control socket ready", metadata: [
                "path": "\(path)", "group": "\(access.groupID == nil ? "\(access.groupName) (missing: root only)" : access.groupName)",
            ])
            return server
        } catch {
            logger.error("no control socket, recording without it: \(error)")
            return nil
        }
    }

    /// The optional TCP listener for `GET /metrics` (`control.metricsListen`), off by
    /// default; recording goes on without it when it cannot listen.
    func startMetricsListener(_ routes: ControlRoutes) -> ControlServer? {
        guard let listen = config.control.metricsListen else { return nil }
        do {
            var configuration = ControlServer.Configuration(path: listen, access: .anyone, maxClients: 4)
            configuration.tcp = true
            let logger = self.logger
            let server = try ControlServer.start(configuration, responder: MetricsOnly(routes: routes), log: { logger.warning("\($0)") })
            logger.info("metrics listener ready", metadata: ["listen": "\(listen)", "port": "\(server.port ?? 0)"])
            return server
        } catch {
            logger.error("no metrics listener, metrics stay on the control socket: \(error)")
            return nil
        }
    }

    static func log(_ event: RingEvent, _ logger: Logger) {
        switch event {
        case .evicted(let e) where e.wasUploaded:
            logger.info("evicted an uploaded segment", metadata: ["camera": "\(e.camera)", "seq": "\(e.sequence)", "why": "\(e.why)"])
        case .evicted(let e):
            logger.warning("evicted a segment before upload: loss record signed", metadata: [
                "camera": "\(e.camera)", "seq": "\(e.sequence)", "bytes": "\(e.bytes)", "why": "\(e.why)",
            ])
        case .full(let why):
            logger.error("\(why)")
        case .storageFault(let why):
            logger.error("storage fault: \(why)")
        }
    }
}
