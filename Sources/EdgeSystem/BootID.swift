/// This boot's id, as the kernel gives it (`/proc/sys/kernel/random/boot_id`, a UUID):
/// monotonic clock readings compare only within one boot. "unknown" where the kernel
/// has none (then no two readings are taken for the same boot).
public enum BootID {
    public static let current: String = {
        guard let bytes = try? FileSystem.readFile("/proc/sys/kernel/random/boot_id", limit: 64) else { return "unknown" }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        return text.isEmpty ? "unknown" : text
    }()
}
