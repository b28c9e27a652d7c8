import Synchronization

/// What a connection may cost the centre before and between requests. Nothing here waits
/// on a gateway being known: these bounds hold for anyone who can reach the port.
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once, from everyone.
    public var maxConnections: Int
    /// Connections open at once from one IP address (a gateway needs one per destination,
    /// plus `edgectl uplink test`).
    public var maxPerPeer: Int
    /// From accept to a finished TLS handshake.
    public var handshakeTimeout: Duration
    /// From the first byte of a request to its complete head.
    public var headerTimeout: Duration
    /// A connection with no request in progress and no byte arriving.
    public var idleTimeout: Duration

    public init(
        maxConnections: Int = 512, maxPerPeer: Int = 16, handshakeTimeout: Duration = .seconds(10),
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)
    ) {
        self.maxConnections = maxConnections
        self.maxPerPeer = maxPerPeer
        self.handshakeTimeout = handshakeTimeout
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }
}

/// The connections open now, in all and per peer address: one table per server, shared by
/// every connection's gate.
public final class ConnectionTable: Sendable {
    public let limits: ConnectionLimits
    private let state = Mutex<(total: Int, perPeer: [String: Int])>((0, [:]))

    public init(limits: ConnectionLimits) { self.limits = limits }

    /// Counts a new connection from `peer`, or says why it is refused (and counts nothing).
    func open(_ peer: String) -> String? {
        state.withLock { s in
            if s.total >= limits.maxConnections {
                return "the centre has \(s.total) connections open, its limit (--max-connections \(limits.maxConnections))"
            }
            let mine = s.perPeer[peer, default: 0]
            if mine >= limits.maxPerPeer {
                return "\(peer) has \(mine) connections open, the limit per address (--max-connections-per-peer \(limits.maxPerPeer))"
            }
            s.total += 1
            s.perPeer[peer] = mine + 1
            return nil
        }
    }

    func close(_ peer: String) {
        state.withLock { s in
            s.total -= 1
            let left = s.perPeer[peer, default: 1] - 1
            s.perPeer[peer] = left > 0 ? left : nil
        }
    }

    /// Connections open now (a gauge for /metrics and the tests).
    public var openConnections: Int { state.withLock { $0.total } }
}
