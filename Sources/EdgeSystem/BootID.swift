/// This boot's id, as the kernel gives it (`/proc/sys/kernel/random/boot_id`, a UUID):
/// monotonic clock readings compare only within one boot. Where the kernel has none, a
/// random id for this process (`process-` and 32 hex digits): restarts then count as
/// boots, and spans across them are measured on the wall clock or not at all — never
/// on a monotonic clock that may have restarted.
public enum BootID {
    public static let current: String = {
        if let bytes = try? FileSystem.readFile("/proc/sys/kernel/random/boot_id", limit: 64) {
            let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
            if PlainName.isValid(text) { return text }
        }
        var random = SystemRandomNumberGenerator()
        let digits = (0..<2).map { _ -> String in
            let hex = String(random.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        return "process-" + digits.joined()
    }()
}
