import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL
import NIOTLS

/// The handler right behind TLS on every connection: admits it against the
/// `ConnectionTable` as soon as it is set up, before any handshake (or closes it at once,
/// logged), and holds its deadlines, one phase at a time:
///
/// - **handshake**: accept → TLS handshake done, within `handshakeTimeout`;
/// - **idle**: no request in progress and no byte arriving, for at most `idleTimeout`;
/// - **head**: the first byte of a request → its complete head, within `headerTimeout`;
/// - **request**: a request is being served; its body has its own stall watch
///   (`SegmentReceiver.bodyStallTimeout`), and the answer is the centre's to give.
///
/// It sees the TLS handshake's completion and the decrypted bytes; `RequestWatch`, behind
/// the HTTP decoder, tells it when a request head arrived and an answer ended.
final class ConnectionGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Phase: Equatable {
        case handshake, idle, head
        case request(count: Int)
    }

    private let table: ConnectionTable
    private let events: ConnectionEvents
    private var peer: String?
    private var admitted = false
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private(set) var phase = Phase.handshake

    init(table: ConnectionTable, events: ConnectionEvents) {
        self.table = table
        self.events = events
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { admit(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .idle { enter(.head) }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, phase == .handshake { enter(.idle) }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Told by RequestWatch

    func requestStarted() {
        if case .request(let count) = phase { enter(.request(count: count + 1)) } else { enter(.request(count: 1)) }
    }

    func responseFinished() {
        guard case .request(let count) = phase else { return }
        enter(count > 1 ? .request(count: count - 1) : .idle)
    }

    // MARK: Steps

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted else { return }
        admitted = true
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if let why = table.open(address) {
            events.refused(peer: address, why: why)
            context.close(promise: nil)
            return
        }
        peer = address
        enter(.handshake)
    }

    private func release() {
        timer?.cancel()
        timer = nil
        if let peer { table.close(peer) }
        peer = nil
    }

    private func enter(_ next: Phase) {
        phase = next
        timer?.cancel()
        timer = nil
        guard let context, peer != nil else { return }
        let limits = table.limits
        let (timeout, reason, what): (Duration, String, String)
        switch next {
        case .handshake: (timeout, reason, what) = (limits.handshakeTimeout, "handshake-timeout", "no TLS handshake")
        case .idle: (timeout, reason, what) = (limits.idleTimeout, "idle-timeout", "no request")
        case .head: (timeout, reason, what) = (limits.headerTimeout, "header-timeout", "no complete request head")
        case .request: return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let peer = self.peer ?? "unknown"
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            let (gate, context) = bound.value
            gate.timer = nil
            gate.events.timedOut(peer: peer, reason: reason, detail: "\(what) within \(timeout); closing")
            context.close(promise: nil)
        }
    }
}

/// Behind the HTTP decoder: tells the connection's `ConnectionGate` about request heads and
/// the ends of answers. Passes everything on unchanged.
final class RequestWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var gate: ConnectionGate?

    init() {}

    func handlerAdded(context: ChannelHandlerContext) {
        gate = try? context.pipeline.syncOperations.handler(type: ConnectionGate.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { gate?.requestStarted() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { gate?.responseFinished() }
        context.write(data, promise: promise)
    }
}

/// A child channel with a `ConnectionGate` in front of whatever `base` sets up (HTTP/1.1),
/// itself behind TLS. A refused connection is closed by its gate; setting it up still
/// succeeds, so the server's accept loop never sees an error for it.
struct GatedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let table: ConnectionTable
    let events: ConnectionEvents

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionGate(table: table, events: events))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
