/// Who is on the other end of a Unix socket (`SO_PEERCRED`), or who runs this process
/// (`current`): what the audit log records of a change.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }

    /// This process.
    public static var current: PeerCredentials { PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()) }
}
