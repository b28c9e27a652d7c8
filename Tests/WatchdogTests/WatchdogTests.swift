#if canImport(Glibc)
import Glibc
#endif
import EdgeSystem
import Synchronization
import Testing
import TestSupport
@testable import Watchdog

/// The runner kicks only while the board is healthy, disarms only on a clean stop, and
/// talks sd_notify over a real datagram socket; the storm guard counts crashes.
@Suite(.serialized) struct WatchdogTests {
    final class FakeDevice: WatchdogDevice, @unchecked Sendable {
        let kicks = Mutex(0)
        let disarmed = Mutex(false)
        var timeoutSeconds: Int { 5 }
        func kick() throws(SystemError) { kicks.withLock { $0 += 1 } }
        func disarm() { disarmed.withLock { $0 = true } }
    }

    final class Switch: Sendable {
        let problem = Mutex<String?>(nil)
    }

    /// The runner's looks at the board, counted: what a negative check waits on.
    final class Looks: Sendable {
        let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
    }

    func runner(
        _ board: HealthBoard, _ device: FakeDevice, notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
        looks: Looks = Looks()
    ) throws -> WatchdogRunner {
        try WatchdogRunner(
            board: board, device: device, notifier: notifier, time: SystemTime(), period: .milliseconds(20),
            isReady: { true }, statusLine: { "recording 1/1 cameras" }, log: { _, _ in },
            observe: { change in if case .tick = change { looks.count.withLock { $0 += 1 } } })
    }

    func waitUntil(_ condition: () -> Bool) {
        for _ in 0..<200 where !condition() { usleep(10_000) }
    }

    @Test func kicksOnlyWhileHealthy() throws {
        let board = HealthBoard()
        let flag = Switch()
        board.add("camera gate") { _ in flag.problem.withLock { $0 } }
        let device = FakeDevice()
        let looks = Looks()
        let r = try runner(board, device, looks: looks)
        r.start()
        waitUntil { device.kicks.withLock { $0 } >= 3 }
        #expect(device.kicks.withLock { $0 } >= 3)
        flag.problem.withLock { $0 = "no frame for 21 s while streaming" }
        waitUntil { !r.snapshot.healthy }
        let stuckAt = device.kicks.withLock { $0 }
        // Ten more looks at the (unhealthy) board, however long the machine takes: no kick.
        let looked = looks.value
        waitUntil { looks.value >= looked + 10 }
        #expect(looks.value >= looked + 10)
        #expect(device.kicks.withLock { $0 } <= stuckAt + 1)
        #expect(r.snapshot.problems == ["camera gate: no frame for 21 s while streaming"])
        flag.problem.withLock { $0 = nil }
        waitUntil { device.kicks.withLock { $0 } > stuckAt + 2 }
        #expect(device.kicks.withLock { $0 } > stuckAt + 2)
        r.stop(clean: false)
        #expect(!device.disarmed.withLock { $0 })
    }

    @Test func aCleanStopDisarms() throws {
        let device = FakeDevice()
        let r = try runner(HealthBoard(), device)
        r.start()
        r.stop(clean: true)
        #expect(device.disarmed.withLock { $0 })
    }

    @Test func sdNotifyOverARealSocket() throws {
        let dir = try Fixtures.scratchDirectory("notify")
        let path = "\(dir)/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = UnixSocketAddress(path)!
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : ""
        }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"])
        #expect(notifier.watchdogInterval == .milliseconds(100))
        let device = FakeDevice()
        let r = try runner(HealthBoard(), device, notifier: notifier)
        r.start()
        var seen: [String] = []
        for _ in 0..<10 { seen.append(receive()) }
        r.stop(clean: true)
        while true {
            let m = receive()
            seen.append(m)
            if m == "STOPPING=1" || m.isEmpty { break }
        }
        #expect(seen.contains("READY=1"))
        #expect(seen.contains("WATCHDOG=1"))
        #expect(seen.contains("STATUS=recording 1/1 cameras"))
        #expect(seen.last == "STOPPING=1")
        // Without NOTIFY_SOCKET nothing is sent and nothing fails.
        #expect(!SystemdNotifier(environment: ["WATCHDOG_USEC": "100000"]).send("READY=1"))
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "5", "WATCHDOG_PID": "1"]).watchdogInterval == nil)
    }

    @Test func restartStormGuard() throws {
        let dir = try Fixtures.scratchDirectory("starts")
        let history = StartHistory(stateDirectory: dir, limit: 3, window: .seconds(600))
        var now = WallTime(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)
        func later(_ seconds: Int64) { now = WallTime(nanosecondsSinceEpoch: now.nanosecondsSinceEpoch + seconds * 1_000_000_000) }
        func start(_ crashed: Bool, boot: String = "b1", synced: Bool = true) -> String? {
            history.recordStart(lastRunCrashed: crashed, at: now, clockSynced: synced, bootID: boot)
        }
        #expect(start(false) == nil)
        later(60)
        #expect(start(true) == nil)
        later(60)
        #expect(start(true) == nil)
        later(60)
        #expect(start(true)?.contains("3 crashes within 10 min") == true)
        // A clean run ends the storm.
        later(60)
        #expect(start(false) == nil)
        // Crashes spread out over more than the window are no storm.
        for _ in 0..<4 {
            later(400)
            #expect(start(true) == nil)
        }
        // A board without a real-time clock: every boot starts near 1970, unsynchronised.
        // Power cuts (one crash per boot) are no storm however close their times look…
        later(60)
        #expect(start(false) == nil)
        now = WallTime(nanosecondsSinceEpoch: 30_000_000_000)
        for boot in ["p1", "p2", "p3", "p4"] {
            #expect(start(true, boot: boot, synced: false) == nil)
        }
        // … but crashes within one boot are.
        #expect(start(true, boot: "p5", synced: false) == nil)
        later(30)
        #expect(start(true, boot: "p5", synced: false) == nil)
        later(30)
        #expect(start(true, boot: "p5", synced: false)?.contains("3 crashes") == true)
    }

    /// The real device, where there is one to spare (the board tests it for real).
    @Test func theHardwareWatchdogRefusesAMissingDevice() {
        #expect(throws: SystemError.self) { try HardwareWatchdog(path: "/nonexistent/watchdog", timeoutSeconds: 5) }
    }
}
