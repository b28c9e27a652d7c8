import CLinux

/// Whether the kernel considers the wall clock synchronised (NTP or PTP disciplining it),
/// from `adjtimex(2)`. Boards without a real-time clock read 1970 until this turns true.
public enum ClockStatus {
    public static func isSynchronised() -> Bool { edge_clock_synchronised() == 1 }
}
