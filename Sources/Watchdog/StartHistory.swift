import EdgeSystem

/// The restart-storm guard: how each recent start of the daemon went, in
/// `<state>/starts` ("<UTC ns> clean|crash" per line, the newest 50). When the daemon
/// crashed `limit` times within `window`, arming the hardware watchdog would turn a
/// crash loop into a reboot loop: the daemon then runs degraded — recording, without the
/// hardware watchdog — and says so in its status, until a clean stop.
public struct StartHistory: Sendable {
    public let path: String
    public var limit: Int
    public var window: Duration

    public init(stateDirectory: String, limit: Int = 5, window: Duration = .seconds(900)) {
        path = stateDirectory + "/starts"
        self.limit = limit
        self.window = window
    }

    /// Records this start (`lastRunCrashed` as RingRecovery found it) and returns why the
    /// daemon must run degraded, or nil. Lines are "<UTC ns> clean|crash <boot id>
    /// <synced 0|1>". Wall times only compare within one boot, or when both clocks were
    /// synchronised: a board without a real-time clock starts every boot near 1970, and
    /// power cuts months apart must not look like a storm.
    public func recordStart(
        lastRunCrashed: Bool, at now: WallTime, clockSynced: Bool = ClockStatus.isSynchronised(),
        bootID: String = BootID.current
    ) -> String? {
        var lines = ((try? FileSystem.readFile(path, limit: 64 << 10)).map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").map(String.init)
        lines.append("\(now.nanosecondsSinceEpoch) \(lastRunCrashed ? "crash" : "clean") \(bootID) \(clockSynced ? 1 : 0)")
        lines = Array(lines.suffix(50))
        try? FileSystem.writeAtomically(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
        // The run before this one stopped cleanly: whatever came before is over.
        guard lastRunCrashed else { return nil }
        let since = now.nanosecondsSinceEpoch - window.nanoseconds
        var crashes = 0
        // Count the crashes in the window, newest first, up to the last clean start.
        for line in lines.reversed() {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let at = Int64(parts[0]) else { continue }
            if parts[1] == "clean" { break }
            let sameBoot = parts.count >= 3 && parts[2] == bootID
            let bothSynced = clockSynced && parts.count >= 4 && parts[3] == "1"
            guard sameBoot || bothSynced else { continue }
            if parts[1] == "crash" && at >= since && at <= now.nanosecondsSinceEpoch { crashes += 1 }
        }
        guard crashes >= limit else { return nil }
        return "\(crashes) crashes within \(window.nanoseconds / 60_000_000_000) min: the hardware watchdog is not armed, so a crash loop cannot become a reboot loop"
    }

}
