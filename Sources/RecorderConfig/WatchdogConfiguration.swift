/// The watchdogs: when the pipeline counts as stuck, and the hardware device.
public struct WatchdogConfiguration: Sendable, Equatable {
    /// The hardware watchdog (`/dev/watchdog`); nil: systemd's only.
    public var device: String?
    /// The hardware's timeout: the board resets this long after the last kick.
    public var timeoutSeconds: Int
    /// A stage without progress this long is stuck (no frame while streaming, frames
    /// waiting and none recorded, no segment sealed in two segment lengths plus this).
    public var stuckSeconds: Int

    public init(device: String? = nil, timeoutSeconds: Int = 15, stuckSeconds: Int = 20) {
        self.device = device
        self.timeoutSeconds = timeoutSeconds
        self.stuckSeconds = stuckSeconds
    }
}
