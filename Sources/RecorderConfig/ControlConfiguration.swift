/// The control socket (`edgectl`, `curl --unix-socket`).
public struct ControlConfiguration: Sendable, Equatable {
    /// The socket's path.
    public var socket: String
    /// Besides root, members of this group may use the socket.
    public var group: String
    /// `host:port` of a TCP listener serving `GET /metrics` only, to anyone who can
    /// reach it; nil (the default): no listener, metrics only on the socket.
    public var metricsListen: String?

    public init(socket: String = Self.defaultSocket, group: String = "edge-admin") {
        self.socket = socket
        self.group = group
    }

    public static let defaultSocket = "/run/edge-recorder/control.sock"
}
