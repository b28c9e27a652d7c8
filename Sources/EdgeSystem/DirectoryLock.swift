/// An exclusive claim on a directory: `flock(2)` on `<directory>/.lock`, held for as long
/// as this object lives (and released by the kernel if the process dies, however it
/// dies). Two daemons on one state directory would each take the other's open segments
/// for crash debris; the second one must find the lock taken and touch nothing.
public final class DirectoryLock: Sendable {
    public let path: String
    private let file: FileDescriptor

    /// Why a lock was not taken.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Another process holds it; `pid` is what that process wrote into the lock file.
        case held(path: String, pid: Int32?)
        case system(SystemError)

        public var description: String {
            switch self {
            case .held(let path, let pid):
                let who = pid.map { "process \($0)" } ?? "another process"
                return "\(path) is held by \(who): another edge-recorderd is using this state directory"
            case .system(let error): return "cannot lock the state directory: \(error)"
            }
        }
    }

    private init(path: String, file: FileDescriptor) {
        self.path = path
        self.file = file
    }

    /// Takes the lock without waiting, and writes this process's id into the lock file
    /// (for the message another process gets).
    public static func acquire(directory: String) throws(Failure) -> DirectoryLock {
        let path = "\(directory)/.lock"
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o640) } catch { throw .system(error) }
        do {
            _ = try retryingInterrupts("flock", path) { flock(file.rawValue, LOCK_EX | LOCK_NB) }
        } catch where error.code == EWOULDBLOCK {
            throw .held(path: path, pid: holder(of: file))
        } catch {
            throw .system(error)
        }
        // Ours now: say who holds it. A failure here loses only the message's pid.
        _ = ftruncate(file.rawValue, 0)
        _ = try? file.writeAll(Array("\(getpid())\n".utf8))
        return DirectoryLock(path: path, file: file)
    }

    /// Takes the lock, waiting up to `patience` for a holder to let go (looking every 10 ms).
    /// For short steps that queue rather than refuse (an update step). It also rides out
    /// the instant after a release when a process being spawned elsewhere in this one still
    /// holds a copy of the descriptor (until its exec closes it): flock(2) locks belong to
    /// the open file, not to the descriptor.
    public static func acquire(directory: String, patience: Duration) throws(Failure) -> DirectoryLock {
        let deadline = ContinuousClock.now + patience
        while true {
            do { return try acquire(directory: directory) } catch {
                guard case .held = error, ContinuousClock.now < deadline else { throw error }
                usleep(10_000)
            }
        }
    }

    /// Whether some process holds the lock on `directory` now (false when there is no lock
    /// file: no daemon has run there).
    public static func isHeld(directory: String) -> Bool {
        do {
            _ = try acquire(directory: directory)
            return false
        } catch {
            if case .held = error { return true }
            return false
        }
    }

    private static func holder(of file: FileDescriptor) -> Int32? {
        guard let bytes = try? file.read(upTo: 32) else { return nil }
        return Int32(plainDecimal: String(decoding: bytes, as: UTF8.self).prefix { $0 != "\n" })
    }
}
