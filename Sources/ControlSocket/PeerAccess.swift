#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EdgeSystem

/// Who may use the control socket: root, and members of one group (`edge-admin` by
/// default). Membership is the peer's primary group or a supplementary group of the
/// peer process itself (`/proc/<pid>/status`), so `sudo -g` and `newgrp` count and a
/// group added after login does not until the user logs in again — as for files.
public struct AccessPolicy: Sendable {
    public var groupName: String
    /// The group's id; nil when no such group exists (then only root gets in).
    public var groupID: UInt32?
    /// Anyone who can connect: for a TCP listener serving only what may be public
    /// (`/metrics`), where there are no peer credentials to check.
    public var open = false

    /// Anyone who can connect (see `open`).
    public static var anyone: AccessPolicy {
        var policy = AccessPolicy(groupName: "", groupID: nil)
        policy.open = true
        return policy
    }

    public init(groupName: String) {
        self.groupName = groupName
        groupID = Self.lookUpGroup(groupName)
    }

    public init(groupName: String, groupID: UInt32?) {
        self.groupName = groupName
        self.groupID = groupID
    }

    /// nil when allowed; otherwise why not, to send back.
    public func refusal(for peer: PeerCredentials, supplementaryGroups: (Int32) -> [UInt32]? = Self.supplementaryGroups)
        -> String?
    {
        if peer.uid == 0 || open { return nil }
        guard let gid = groupID else {
            return "uid \(peer.uid) is not root and group \(groupName) does not exist: create it (groupadd \(groupName)) and add the technician's account"
        }
        if peer.gid == gid || (supplementaryGroups(peer.pid) ?? []).contains(gid) { return nil }
        return "uid \(peer.uid) is neither root nor in group \(groupName): ask for it (usermod -aG \(groupName) USER), then log in again"
    }

    /// The supplementary groups of a process, from `/proc/<pid>/status`.
    public static func supplementaryGroups(of pid: Int32) -> [UInt32]? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/status", limit: 64 << 10) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        return nil
    }

    public static func lookUpGroup(_ name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 << 10)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
