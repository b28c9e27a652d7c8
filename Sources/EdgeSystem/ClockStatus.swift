import CLinux

/// Whether the kernel considers the wall clock synchronised (NTP or PTP disciplining it),
/// from `adjtimex(2)`. Boards without a real-time clock read 1970 until this turns true.
public enum ClockStatus {
    /// False also when the wall clock reads a time `WallTime` cannot hold (past 2262):
    /// whatever disciplines it, such a clock does not label footage.
    public static func isSynchronised() -> Bool {
        let ts = SystemTime.read(CLOCK_REALTIME)
        guard WallTime(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec)) != nil else { return false }
        return edge_clock_synchronised() == 1
    }
}
