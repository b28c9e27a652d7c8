import CLinux

/// The C library's allocator, set for a daemon that runs for months.
///
/// With glibc's defaults a thread per camera gets an arena of its own, and frames (tens to
/// hundreds of KiB, allocated on the capture thread and freed on the recording one) leave
/// each arena holding freed memory it never returns, while the threshold above which a
/// block is mapped on its own rises with every such free. Measured with 8 cameras of 1080p
/// H.264 (`Tools/bench-daemon`): RSS about 100 MiB with the defaults, 35 MiB with two
/// arenas and a fixed 128 KiB threshold, for the same CPU.
public enum Allocator {
    /// Arenas for the whole process.
    public static let arenas: Int32 = 2
    /// Blocks this large or larger (keyframes, read pieces) are mapped and unmapped alone.
    public static let mmapThreshold: Int32 = 128 * 1024

    /// Whether the C library is glibc, whose allocator these settings are for.
    public static var isGlibc: Bool {
        #if canImport(Glibc)
        true
        #else
        false
        #endif
    }

    /// Applies the settings; call once, early. False where the C library has no such
    /// settings (not glibc) or refused them: the daemon runs, only with more memory.
    @discardableResult
    public static func tuneForDaemon() -> Bool {
        edge_malloc_tune(arenas, mmapThreshold) == 1
    }
}
