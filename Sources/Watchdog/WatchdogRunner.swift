import EdgeSystem
import Synchronization

/// Kicks the watchdogs — the hardware one and systemd's — only while the health board
/// says every stage is making progress. Runs on a thread of its own, so a stuck camera
/// thread, a stuck disk or a busy task pool cannot keep it kicking (or stop it).
///
/// When a stage is stuck it logs once, names the stage, and stops kicking: systemd
/// restarts the service, the hardware resets the board. If health returns before that,
/// kicking resumes and that is logged too.
public final class WatchdogRunner: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var healthy = true
        public var problems: [String] = []
        public var kicks: UInt64 = 0
        public var ready = false
        /// "i6300ESB timer, 15 s" when a hardware watchdog is armed.
        public var hardware: String?
        /// Why the hardware watchdog is not armed although configured (restart storm).
        public var degraded: String?
        public var systemd = false
    }

    private let board: HealthBoard
    private let device: (any WatchdogDevice)?
    private let notifier: SystemdNotifier
    private let time: any TimeSource
    private let period: Duration
    private let isReady: @Sendable () -> Bool
    private let statusLine: @Sendable () -> String
    private let log: @Sendable (_ level: String, _ message: String) -> Void
    private let observe: @Sendable (Change) -> Void
    private let stop: Wakeup
    private let done: Wakeup
    private let state: Mutex<Snapshot>

    /// - Parameters:
    ///   - period: how often health is looked at (and the hardware kicked while healthy).
    ///   - isReady: true once the cameras have started and the ring is writable (READY=1).
    ///   - statusLine: the one-line summary for systemd's STATUS=.
    public init(
        board: HealthBoard, device: (any WatchdogDevice)?, notifier: SystemdNotifier, time: any TimeSource,
        period: Duration = .seconds(1), degraded: String? = nil, isReady: @escaping @Sendable () -> Bool,
        statusLine: @escaping @Sendable () -> String, log: @escaping @Sendable (_ level: String, _ message: String) -> Void,
        observe: @escaping @Sendable (Change) -> Void = { _ in }
    ) throws(SystemError) {
        self.observe = observe
        self.board = board
        self.device = device
        self.notifier = notifier
        self.time = time
        self.period = period
        self.isReady = isReady
        self.statusLine = statusLine
        self.log = log
        stop = try Wakeup()
        done = try Wakeup()
        var snapshot = Snapshot()
        snapshot.hardware = device.map { "\($0.timeoutSeconds) s" }
        snapshot.degraded = degraded
        snapshot.systemd = notifier.watchdogInterval != nil
        state = Mutex(snapshot)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// What the runner tells its owner, from its own thread.
    public enum Change: Sendable {
        /// A stage stopped making progress: the watchdogs are no longer kicked.
        case stuck([String])
        case healthy
        /// Once a period, after the board was looked at.
        case tick(MonotonicInstant)
    }

    public func start() {
        startThread(name: "watchdog") { [self] in
            run()
            done.signal()
        }
    }

    /// Stops the runner. A clean stop disarms the hardware (magic close) and tells systemd.
    public func stop(clean: Bool) {
        if clean { notifier.stopping() }
        stop.signal()
        done.wait(timeout: .seconds(10))
        if clean { device?.disarm() }
    }

    private func run() {
        var lastSystemdPing: MonotonicInstant?
        var lastStatus = ""
        var lastStatusAt: MonotonicInstant?
        while !stop.isSignalled {
            let now = time.monotonicNow()
            let problems = board.problems(at: now)
            let healthy = problems.isEmpty
            let wasHealthy = state.withLock { s in
                let was = s.healthy
                s.healthy = healthy
                s.problems = problems
                return was
            }
            if healthy {
                if !wasHealthy {
                    log("notice", "healthy again: the watchdog is kicked again")
                    observe(.healthy)
                }
                kick(now, &lastSystemdPing)
            } else if wasHealthy {
                log("critical", "pipeline stuck, the watchdog is no longer kicked: \(problems.joined(separator: "; "))")
                observe(.stuck(problems))
            }
            observe(.tick(now))
            if !state.withLock({ $0.ready }), isReady() {
                state.withLock { $0.ready = true }
                notifier.ready()
                log("info", "ready" + (notifier.isActive ? " (READY=1 sent to systemd)" : ""))
            }
            let line = healthy ? statusLine() : "STUCK: " + problems.joined(separator: "; ")
            if notifier.isActive, line != lastStatus || lastStatusAt.map({ now - $0 >= .seconds(30) }) ?? true {
                notifier.status(line)
                lastStatus = line
                lastStatusAt = now
            }
            stop.wait(timeout: period)
        }
    }

    private func kick(_ now: MonotonicInstant, _ lastSystemdPing: inout MonotonicInstant?) {
        var kicked = false
        if let device {
            do {
                try device.kick()
                kicked = true
            } catch {
                log("error", "cannot kick the hardware watchdog: \(error)")
            }
        }
        if let interval = notifier.watchdogInterval, lastSystemdPing.map({ now - $0 >= interval / 2 }) ?? true {
            notifier.watchdog()
            lastSystemdPing = now
            kicked = true
        }
        if kicked { state.withLock { $0.kicks += 1 } }
    }
}
