import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Synchronization
import Uplink
import Updater

/// The gateway's side of updates from the centre (PROTOCOL.md, "Desired state, releases
/// and reports"): one `round()` asks what to run, fetches and installs a release when told
/// (the caller then restarts into it on probation), and reports what runs. The daemon
/// calls it on a thread of its own, waiting `next` between rounds.
public final class UpdateChannel: Sendable {
    /// What a round did, and when to come back.
    public enum Outcome: Sendable, Equatable {
        /// Nothing to install (up to date, skipped, or waiting for a probation).
        case idle(String)
        /// A release was installed on probation: restart into it now.
        case installed(version: String)
        /// The round failed; it is retried after the back-off.
        case failed(String)
    }

    public let base: String
    /// Used only inside `rounds`' lock: one round at a time, as a libcurl handle needs.
    private nonisolated(unsafe) let transport: any ChannelTransport
    private let rounds = Mutex(())
    let updater: Updater
    let configTarget: (any ConfigTarget)?
    private let log: @Sendable (String) -> Void
    private let downloads: String
    private let control: TransferControl
    let time: any TimeSource
    private let cached = Mutex<(etag: String?, desired: DesiredState?)>((nil, nil))
    private let failures = Mutex(0)
    private let soon = Atomic<Bool>(false)
    private let cancelled = Flag()

    /// `base` is the destination's URL without a trailing slash (`https://centre:8443`).
    /// Pushed configs go to `configTarget` (none: they are not applied); `log` hears what
    /// became of each.
    public init(
        base: String, transport: any ChannelTransport, updater: Updater, configTarget: (any ConfigTarget)? = nil,
        time: any TimeSource = SystemTime(), log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.time = time
        self.configTarget = configTarget
        self.log = log
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.transport = transport
        self.updater = updater
        self.downloads = "\(updater.paths.updateDirectory)/downloads"
        let cancelled = self.cancelled
        self.control = TransferControl(shouldStop: { cancelled.value.load(ordering: .relaxed) })
    }

    /// Ends a transfer in progress (the daemon is stopping); a download resumes at the next start.
    public func cancel() { cancelled.value.store(true, ordering: .relaxed) }

    /// One round: desired state, maybe a config, maybe a release, then the report.
    public func round() -> Outcome {
        rounds.withLock { _ in
            let outcome = decideAndFetch(transport)
            if case .installed = outcome { return outcome }  // reported once final, after the restart
            report(transport)
            failures.withLock { $0 = outcome.isFailure ? $0 + 1 : 0 }
            return outcome
        }
    }

    /// How long to wait before the next round: the centre's interval with ±20 % jitter;
    /// after failures, 60 s doubling up to an hour, jittered the same way.
    public func next(random: UInt64 = UInt64.random(in: 0...UInt64.max)) -> Duration {
        let interval = cached.withLock { $0.desired?.pollSeconds } ?? 300
        let failed = failures.withLock { $0 }
        let base = failed == 0 ? interval : min(60 << min(failed - 1, 6), 3600)
        let spread = Int64(base) * 200  // ±20 % of base, in milliseconds
        let jitter = Int64(random % UInt64(2 * spread + 1)) - spread
        return .milliseconds(Int64(base) * 1000 + jitter)
    }

    /// Asks for the next round now (after a commit: its outcome goes to the centre at once).
    public func reportSoon() { soon.store(true, ordering: .relaxed) }

    /// Waits until the next round is due (`next()`), or `reportSoon()` is called; true when
    /// `stop` was signalled instead.
    public func waitForNextRound(time: any TimeSource, stop: Wakeup) -> Bool {
        let deadline = time.monotonicNow() + next()
        while true {
            let now = time.monotonicNow()
            if now >= deadline || soon.exchange(false, ordering: .relaxed) { return false }
            if time.wait(until: min(deadline, now + .seconds(1)), orStop: stop) { return true }
        }
    }

    private func decideAndFetch(_ transport: any ChannelTransport) -> Outcome {
        let desired: DesiredState?
        do { desired = try fetchDesired(transport) } catch { return .failed(error.message) }
        if let note = applyPushedConfig(desired?.config) { log(note) }
        guard let wanted = desired?.release else { return .idle("nothing published for this gateway") }
        let status: UpdateStatus
        do { status = try updater.status() } catch { return .failed("\(error)") }
        if status.current.map({ status.archives[$0] }) == wanted.hex || status.committed.map({ status.archives[$0] }) == wanted.hex {
            return .idle("release \(wanted.version) is installed")
        }
        if status.state.skippedArchives.contains(wanted.hex) {
            return .idle("release \(wanted.version) was refused or rolled back here before; it is not fetched again")
        }
        if let probation = status.state.probation {
            return .idle("release \(probation.version) is on probation; \(wanted.version) waits")
        }
        // Known from the announcement: not worth a download.
        if wanted.securityVersion < status.state.securityVersion {
            let reason = "security version \(wanted.securityVersion) is below the installed \(status.state.securityVersion): downgrades are refused"
            try? updater.refuse(version: wanted.version, archiveSHA256: wanted.hex, reason: reason)
            return .failed("release \(wanted.version) not fetched: \(reason)")
        }
        let archive: String
        do {
            archive = try ReleaseDownload(directory: downloads, base: base, transport: transport, control: control).fetch(wanted)
        } catch { return .failed(error.message) }
        if let window = desired?.window, UploadWindow.waitBeforeOpening([window], now: time.wallNow()) != nil {
            return .idle("release \(wanted.version) is downloaded and waits for its window, \(window.text) UTC")
        }
        do {
            try updater.install(archive: archive, archiveSHA256: wanted.hex)
        } catch {
            if case .refused = error.code { try? FileSystem.remove(archive) }
            return .failed("release \(wanted.version) not installed: \(error.message)")
        }
        try? FileSystem.remove(archive)
        return .installed(version: wanted.version)
    }

    private func fetchDesired(_ transport: any ChannelTransport) throws(ChannelError) -> DesiredState? {
        let etag = cached.withLock { $0.etag }
        let response: TransportResponse
        do {
            response = try transport.get(
                "\(base)/v1/desired", headers: etag.map { [("If-None-Match", $0)] } ?? [], download: nil, control: control)
        } catch { throw ChannelError(error, during: "GET /v1/desired") }
        switch response.status {
        case 304:
            return cached.withLock { $0.desired }
        case 200:
            let desired = try DesiredState.parse(response.body)
            cached.withLock { $0 = (response[header: "ETag"], desired) }
            return desired
        case 404:
            cached.withLock { $0 = (nil, nil) }
            return nil
        default:
            throw ChannelError(.centre, "GET /v1/desired: \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }

    /// What runs, the probation and the last outcomes (PROTOCOL.md). A report that cannot
    /// be sent is sent again at the next round.
    private func report(_ transport: any ChannelTransport) {
        guard let status = try? updater.status() else { return }
        let running = status.running
        let firmware: JSONValue = .object([
            ("slot", status.current.map { .string($0.rawValue) } ?? .null),
            ("version", running.map { .string($0.version) } ?? .null),
            ("securityVersion", running.map { .number(String($0.securityVersion)) } ?? .null),
        ])
        let update = status.state.json
        let body = CanonicalJSON.encode(
            .object([
                ("firmware", firmware), ("securityFloor", .number(String(status.state.securityVersion))),
                ("probation", update["probation"] ?? .null),
                ("outcomes", .array(Array(status.state.outcomes.prefix(5)).map { $0.json })),
                ("config", configReport()),
            ]))
        _ = try? transport.put(
            "\(base)/v1/report", headers: [("Content-Type", "application/json")], body: .bytes(body), control: control)
    }
}

extension UpdateChannel {
    /// The report's `config`: null on a gateway that takes no pushed configs.
    func configReport() -> JSONValue {
        guard let target = configTarget else { return .null }
        let state = (try? ConfigPushState.load(ConfigPushState.path(in: updater.paths.updateDirectory))) ?? ConfigPushState()
        return state.report(current: target.currentBytes())
    }
}

extension UpdateChannel.Outcome {
    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}

extension UploadWindow {
    /// `02:00–05:00`.
    var text: String {
        func hhmm(_ minutes: Int) -> String {
            let h = minutes / 60, m = minutes % 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }
        return "\(hhmm(startMinute))–\(hhmm(endMinute))"
    }
}

/// A flag the transfer's callbacks read from libcurl's thread.
private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
