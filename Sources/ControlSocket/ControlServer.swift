#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EdgeSystem
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The daemon's control socket: HTTP/1.1 + JSON on a Unix socket (`curl --unix-socket`
/// works), one event-loop thread, described by `openapi.yaml` beside this file.
///
/// The socket file is made mode 0660 and given the access group, so only root and that
/// group can even connect; every request is checked again against the peer's credentials
/// (`SO_PEERCRED`). Connections beyond `maxClients` are answered 503 and closed. No request
/// can stall the daemon: bodies are bounded, requests must arrive within a deadline, and
/// the responder runs off the event loop.
public final class ControlServer: Sendable {
    public struct Configuration: Sendable {
        /// The Unix socket's path, or `host:port` for a TCP listener (`tcp` true).
        public var path: String
        /// Listen on TCP at `path` (`127.0.0.1:9101`) instead of a Unix socket.
        public var tcp = false
        public var access: AccessPolicy
        public var maxClients: Int
        public var maxBodyBytes: Int
        public var requestTimeout: Duration

        public init(
            path: String, access: AccessPolicy, maxClients: Int = 8, maxBodyBytes: Int = 1 << 20,
            requestTimeout: Duration = .seconds(10)
        ) {
            self.path = path
            self.access = access
            self.maxClients = maxClients
            self.maxBodyBytes = maxBodyBytes
            self.requestTimeout = requestTimeout
        }
    }

    public let configuration: Configuration
    private let group: MultiThreadedEventLoopGroup
    /// Where the responder runs: a thread of the socket's own.
    private let executor: ThreadExecutor
    private let channel: any Channel
    private let clients: ClientCount

    /// Binds the socket (replacing a stale socket file, never any other file) and serves.
    public static func start(
        _ configuration: Configuration, responder: any ControlResponder,
        log: @escaping @Sendable (String) -> Void
    ) throws -> ControlServer {
        let path = configuration.path
        if !configuration.tcp { try removeStaleSocket(path) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = ThreadExecutor(name: "control")
        let clients = ClientCount()
        let limits = ControlHTTPHandler.Limits(
            maxBodyBytes: configuration.maxBodyBytes,
            requestTimeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
        let access = configuration.access
        let maxClients = configuration.maxClients
        let refused: @Sendable (PeerCredentials?, String) -> Void = { peer, why in
            log("control: refused \(peer.map { "\($0)" } ?? "an unknown peer"): \(why)")
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            // A client that half-closes after its request still gets its answer.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try configure(
                        channel, clients: clients, maxClients: maxClients, responder: responder, executor: executor,
                        access: access, limits: limits, onRefused: refused)
                }
            }
        let channel: any Channel
        do {
            if configuration.tcp {
                guard let colon = path.lastIndex(of: ":"), let port = Int(path[path.index(after: colon)...]), (0...65535).contains(port)
                else { throw ControlSocketError("\(path) is not host:port") }
                let host = String(path[..<colon]).trimmingBrackets
                channel = try bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1).bind(host: host, port: port).wait()
            } else {
                channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
            }
        } catch {
            try? group.syncShutdownGracefully()
            executor.shutdown()
            throw ControlSocketError("cannot listen on \(path): \(error)", cause: error)
        }
        if configuration.tcp {
            return ControlServer(configuration: configuration, group: group, executor: executor, channel: channel, clients: clients)
        }
        // Only root and the access group may connect at all.
        if let gid = access.groupID, chown(path, UInt32.max, gid) != 0 {
            log("control: cannot give \(path) to group \(access.groupName): \(String(cString: strerror(errno)))")
        }
        chmod(path, 0o660)
        return ControlServer(configuration: configuration, group: group, executor: executor, channel: channel, clients: clients)
    }

    /// One connection's handlers: the client count, HTTP/1.1 with NIO's pipelining
    /// assistance (one request at a time reaches `ControlHTTPHandler`, the next waits until
    /// the answer before it has ended), then the handler.
    static func configure(
        _ channel: any Channel, clients: ClientCount, maxClients: Int, responder: any ControlResponder,
        executor: ThreadExecutor, access: AccessPolicy, limits: ControlHTTPHandler.Limits,
        onRefused: @escaping @Sendable (PeerCredentials?, String) -> Void
    ) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ClientLimitHandler(clients: clients, limit: maxClients))
        try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
        try sync.addHandler(
            ControlHTTPHandler(responder: responder, executor: executor, access: access, limits: limits, onRefused: onRefused))
    }

    private init(
        configuration: Configuration, group: MultiThreadedEventLoopGroup, executor: ThreadExecutor, channel: any Channel,
        clients: ClientCount
    ) {
        self.configuration = configuration
        self.group = group
        self.executor = executor
        self.channel = channel
        self.clients = clients
    }

    /// Connections open now.
    public var connectedClients: Int { clients.value.load(ordering: .relaxed) }

    /// The TCP port listened on (a port of 0 asks the system for one).
    public var port: Int? { channel.localAddress?.port }

    /// Stops listening, closes every connection and removes the socket file.
    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        executor.shutdown()
        if !configuration.tcp { _ = unlink(configuration.path) }
    }

    static func removeStaleSocket(_ path: String) throws(ControlSocketError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlSocketError("\(path) exists and is not a socket; refusing to replace it: move it away")
        }
        _ = unlink(path)
    }
}

extension String {
    /// `[::1]` → `::1`
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}

final class ClientCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Counts connections; one over the limit is answered 503 and closed at once.
final class ClientLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let clients: ClientCount
    private let limit: Int
    private var counted = false

    init(clients: ClientCount, limit: Int) {
        self.clients = clients
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let now = clients.value.wrappingAdd(1, ordering: .relaxed).newValue
        counted = true
        guard now > limit else { return }
        var busy = ControlResponse.error(503, "too many control clients (\(limit) at once); try again shortly")
        busy.headers = [("Retry-After", "1")]
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: busy.http1(close: true)))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted { clients.value.wrappingSubtract(1, ordering: .relaxed) }
        counted = false
    }
}

public struct ControlSocketError: EdgeError {
    public let message: String
    public let cause: (any Error & Sendable)?
    public let location: SourceLocation

    init(_ message: String, cause: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line) {
        self.message = message
        self.cause = cause
        location = SourceLocation(file: file, line: line)
    }

    public var description: String { message }
    /// A busy or vanished path may free up; a wrong one will not.
    public var isRetryable: Bool { (cause as? SystemError)?.isTransient ?? false }
}
