import ControlClient
import EdgeSystem
import Synchronization
import Watchdog

/// Asks the daemon's own control socket for its status every 10 s from a thread of its
/// own, the way edgectl would: the socket is healthy while it answers.
final class ControlProbe: Sendable {
    private let lastAnswer: Mutex<MonotonicInstant>
    private let stop: Wakeup
    let path: String

    private let time: any TimeSource

    init(path: String, time: any TimeSource) throws(SystemError) {
        self.path = path
        self.time = time
        lastAnswer = Mutex(time.monotonicNow())
        stop = try Wakeup()
    }

    /// Asks every 10 s, from a thread of its own, until `close()`.
    func start() {
        lastAnswer.withLock { $0 = time.monotonicNow() }
        startThread(name: "control-probe") { [self] in
            while !stop.isSignalled {
                // Any answer is alive, a 503 "too many clients" too.
                if (try? ControlClient(socketPath: path, timeoutSeconds: 10).get("/v1/status")) != nil {
                    lastAnswer.withLock { $0 = time.monotonicNow() }
                }
                stop.wait(timeout: .seconds(10))
            }
        }
    }

    func install(on board: HealthBoard, stuck: Duration) {
        board.add("control socket") { [self] now in
            let last = lastAnswer.withLock { $0 }
            return now - last > stuck + .seconds(10) ? "\(path) has not answered for \(Int((now - last).seconds)) s" : nil
        }
    }

    func close() { stop.signal() }
}
