#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EdgeSystem
import NIOCore
import NIOHTTP1

/// One control connection: reads a bounded request, checks the peer, hands the request to
/// the responder off the event loop and writes the answer back. A request must arrive
/// whole within `requestTimeout` (one byte a second does not hold a connection open); a
/// body over `maxBodyBytes` is answered 413 and the connection closed; anything the HTTP
/// parser refuses is answered 400 and closed.
///
/// HTTP/1.1 as RFC 9112 has it: pipelined requests are answered one by one, in order
/// (NIO's pipelining handler holds the next one back until an answer ends); garbage after
/// a request is answered 400 only once that request's own answer is out; a client that
/// half-closes after its request (`shutdown(SHUT_WR)`, `nc -N`) still gets the answer;
/// a request needs exactly one `Host`; HTTP/1.0 is refused; a body must be
/// `application/json` (415 otherwise).
final class ControlHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Limits: Sendable {
        var maxBodyBytes: Int
        var requestTimeout: TimeAmount
    }

    private let responder: any ControlResponder
    private let executor: ThreadExecutor
    private let access: AccessPolicy
    private let limits: Limits
    private let onRefused: @Sendable (PeerCredentials?, String) -> Void
    private var peer: PeerCredentials?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var discarding = false
    private var closeAfterBody = false
    private var busy = false
    private var deadline: Scheduled<Void>?
    private var streaming: ControlStream?
    /// The client half-closed: close once the answer in progress is out.
    private var closeWhenAnswered = false
    /// A request head has arrived and its answer has not ended: an answer now belongs to
    /// it. Otherwise an answer (408, a parser's 400) goes out of band (`sendAlone`).
    private var requestOpen = false
    /// The end of the last answer written: done once it has reached the socket.
    private var lastAnswer: EventLoopFuture<Void>?

    init(
        responder: any ControlResponder, executor: ThreadExecutor, access: AccessPolicy, limits: Limits,
        onRefused: @escaping @Sendable (PeerCredentials?, String) -> Void
    ) {
        self.responder = responder
        self.executor = executor
        self.access = access
        self.limits = limits
        self.onRefused = onRefused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armDeadline(context)
        guard !access.open, let provider = context.channel as? any SocketOptionProvider else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let future: EventLoopFuture<RawPeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        future.whenSuccess { raw in
            bound.value.peer = PeerCredentials(pid: raw.pid, uid: raw.uid, gid: raw.gid)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        streaming?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        streaming?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            requestOpen = true
            body = []
            discarding = false
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                refuseBody(context, "the body is \(length) bytes; requests are at most \(limits.maxBodyBytes)")
            }
        case .body(var buffer):
            guard !discarding, head != nil else { return }
            if body.count + buffer.readableBytes > limits.maxBodyBytes {
                refuseBody(context, "the body is over \(limits.maxBodyBytes) bytes; requests are at most that")
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            if discarding {
                // The rest of a refused body has been read: now closing loses no answer.
                if closeAfterBody { closeOnceWritten(context) }
                return
            }
            guard let head else { return }
            self.head = nil
            dispatch(context, head)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .inputClosed? = event as? ChannelEvent else {
            return context.fireUserInboundEventTriggered(event)
        }
        // Nothing more will arrive. An answer in progress still goes out; a request cut
        // short reaches us as a parser error (answered 400); otherwise we are done.
        if busy || streaming != nil {
            closeWhenAnswered = true
        } else if head == nil && !discarding {
            closeOnceWritten(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case ByteToMessageDecoderError.dataReceivedInErrorState = error {
            // More bytes after a request the parser refused (they came in a later read):
            // that refusal's 400 is already out, or goes out once the answer in progress
            // is written. Closing now would drop that answer (found by fuzz-control).
            return
        }
        if streaming != nil {
            // An answer is being streamed: no room for another; just end it.
            streaming?.cancel()
            context.close(promise: nil)
        } else if error is HTTPParserError {
            let answer = ControlResponse.error(400, "not a valid HTTP/1.1 request (\(error)); use curl --unix-socket or edgectl")
            if requestOpen { finish(context, answer, close: true) } else { sendAlone(context, answer) }
        } else {
            context.close(promise: nil)
        }
    }

    /// 413 at once, then the rest of the body is read and dropped before the connection
    /// closes (closing with unread bytes would reset it and lose the answer); the request
    /// deadline still bounds how long that may take.
    private func refuseBody(_ context: ChannelHandlerContext, _ message: String) {
        discarding = true
        closeAfterBody = true
        body = []
        finish(context, .error(413, message), close: false, keepAliveHeader: false)
    }

    /// What makes a request one this server does not take, before anything is done.
    static func refusal(_ head: HTTPRequestHead, bodyBytes: Int) -> ControlResponse? {
        guard head.version == .http1_1 else {
            return .error(400, "HTTP/\(head.version.major).\(head.version.minor) is not served here: send HTTP/1.1 (curl --unix-socket does)")
        }
        let hosts = head.headers["host"]
        guard hosts.count == 1 else {
            return .error(400, hosts.isEmpty ? "the request has no Host header: HTTP/1.1 needs one (any name: curl sends Host: localhost)"
                : "the request has \(hosts.count) Host headers: send exactly one")
        }
        let types = head.headers["content-type"]
        guard types.count <= 1 else { return .error(400, "the request has \(types.count) Content-Type headers: send one") }
        if bodyBytes > 0 || head.headers["content-length"].contains(where: { $0 != "0" }) {
            let type = types.first ?? ""
            let media = String(type.prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" }).lowercased()
            guard media == "application/json" else {
                return .error(415, type.isEmpty ? "a body needs Content-Type: application/json" : "Content-Type \(type) is not accepted: send application/json")
            }
        }
        return nil
    }

    private func dispatch(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        // TCP has no peer credentials; an open listener does not ask for them.
        if access.open, peer == nil { peer = PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max) }
        guard let peer else {
            onRefused(nil, "no peer credentials")
            finish(context, .error(403, "the peer's credentials could not be read (SO_PEERCRED); refused"), close: true)
            return
        }
        if let why = access.refusal(for: peer) {
            onRefused(peer, why)
            finish(context, .error(403, why), close: true)
            return
        }
        if let refusal = Self.refusal(head, bodyBytes: body.count) {
            body = []
            finish(context, refusal, close: !head.isKeepAlive)
            return
        }
        let (path, query) = ControlRequest.split(uri: head.uri)
        let request = ControlRequest(method: head.method.rawValue, path: path, query: query, body: body, peer: peer)
        body = []
        busy = true
        deadline?.cancel()
        let keepAlive = head.isKeepAlive
        let responder = self.responder
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: ControlResponse.self)
        // On the socket's own thread, not the shared task pool: the socket answers even
        // when every pool thread is blocked (which is what the health board relies on).
        Task(executorPreference: executor) { promise.succeed(await responder.respond(to: request)) }
        promise.futureResult.whenSuccess { response in
            let (handler, context) = bound.value
            handler.busy = false
            handler.finish(context, response, close: !keepAlive)
        }
    }

    private func finish(
        _ context: ChannelHandlerContext, _ response: ControlResponse, close: Bool, keepAliveHeader: Bool = true
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        // No length on a stream: the encoder sends it chunked.
        if response.stream == nil { headers.add(name: "Content-Length", value: String(response.body.count)) }
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Connection", value: close || !keepAliveHeader || response.stream != nil ? "close" : "keep-alive")
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        if let stream = response.stream {
            deadline?.cancel()
            busy = true
            streaming = stream
            context.flush()
            pump(context, stream)
            return
        }
        // Before the end goes out: writing it lets the pipelining handler pass on what
        // it held back (the next request, or a parser error about it), at once and on
        // this stack, and that must find this answer over (found by fuzz-control).
        requestOpen = false
        // Known before the write: what the write passes on may want to close after it.
        let written = context.eventLoop.makePromise(of: Void.self)
        let done = written.futureResult
        lastAnswer = done
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        // A half-closed client's pipelined requests may still be coming out of the
        // pipelining handler (one was just dispatched, on this stack): close only after
        // the last of them is answered.
        if close || (closeWhenAnswered && !busy && !requestOpen) {
            deadline?.cancel()
            done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        } else if !busy {
            armDeadline(context)
        }
    }

    /// Closes once the answers written so far have reached the socket. The half-close (or
    /// the end of a refused body) can arrive while the last answer is still on its way
    /// out: the pipelining handler passes on what it held back from inside the write of
    /// an answer's end, before that write is flushed, and closing then would drop it
    /// (found by fuzz-control: two pipelined requests then a half-close got no answer).
    private func closeOnceWritten(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        guard let lastAnswer else { return context.close(promise: nil) }
        context.flush()
        lastAnswer.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }

    static let streamWriteLimit = TimeAmount.seconds(30)

    /// Writes a stream's chunks one at a time, each after the last was flushed to the
    /// socket: a client that stops reading holds one chunk here and overflows the
    /// stream's own bounded queue, never the daemon's memory.
    private func pump(_ context: ChannelHandlerContext, _ stream: ControlStream) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        Task(executorPreference: executor) {
            let chunk = await stream.next()
            loop.execute {
                let (handler, context) = bound.value
                guard context.channel.isActive, !stream.isCancelled else {
                    stream.cancel()
                    return
                }
                guard let chunk else {
                    context.writeAndFlush(handler.wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.1.close(promise: nil) }
                    return
                }
                handler.write(chunk, of: stream, context)
            }
        }
    }

    /// One chunk; the next once it is flushed. A client that stops reading (a pager, a
    /// suspended edgectl) would hold its connection slot for good: a chunk not taken
    /// within `streamWriteLimit` closes the connection.
    private func write(_ chunk: [UInt8], of stream: ControlStream, _ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let limit = NIOLoopBound(
            context.eventLoop.scheduleTask(in: Self.streamWriteLimit) {
                stream.cancel()
                bound.value.1.close(promise: nil)
            }, eventLoop: context.eventLoop)
        let buffer = context.channel.allocator.buffer(bytes: chunk)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).whenComplete { result in
            limit.value.cancel()
            let (handler, context) = bound.value
            switch result {
            case .success: handler.pump(context, stream)
            case .failure:
                stream.cancel()
                context.close(promise: nil)
            }
        }
    }

    /// An answer that belongs to no request (the connection idled out, or sent something
    /// that is not HTTP): written as bytes from the front of the pipeline, past the HTTP
    /// handlers (which pair every answer with a request), then the connection closes.
    private func sendAlone(_ context: ChannelHandlerContext, _ response: ControlResponse) {
        deadline?.cancel()
        discarding = true
        guard let front = try? context.pipeline.syncOperations.context(handlerType: ClientLimitHandler.self) else {
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        let bytes = response.http1(close: true)
        front.writeAndFlush(NIOAny(channel.allocator.buffer(bytes: bytes))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The next request must be complete within the timeout.
    private func armDeadline(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = limits.requestTimeout
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            guard !handler.busy else { return }
            if handler.closeAfterBody {
                context.close(promise: nil)
                return
            }
            handler.discarding = true
            let answer = ControlResponse.error(408, "no complete request within \(timeout.nanoseconds / 1_000_000_000) s; closing")
            if handler.requestOpen { handler.finish(context, answer, close: true) } else { handler.sendAlone(context, answer) }
        }
    }
}

/// `struct ucred` (pid_t, uid_t, gid_t: 32 bits each on every Linux architecture).
struct RawPeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
