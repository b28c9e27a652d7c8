import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// The request context of the centre's routes: who is asking. Over TLS that is the subject
/// CN of the client certificate the handshake verified against the centre's CA; tests that
/// call the router in-process name the gateway directly.
public struct CentreRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    private let peer: Peer

    enum Peer: Sendable {
        case channel(any Channel)
        case named(String?)
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = .channel(source.channel)
    }

    /// A context for calling the router without a connection (tests): `gateway` stands for
    /// the client certificate's CN, nil for a connection without one.
    public init(gateway: String?, logger: Logger = Logger(label: "edge-centre")) {
        coreContext = .init(source: NamedSource(logger: logger))
        peer = .named(gateway)
    }

    /// The gateway id of the verified client certificate, nil when there is none.
    func gateway() async -> String? {
        switch peer {
        case .named(let gateway):
            return gateway
        case .channel(let channel):
            guard let certificate = try? await channel.nioSSL_peerCertificate().get(),
                let der = try? certificate.toDERBytes()
            else { return nil }
            return CertificateSubject.commonName(der: der)
        }
    }

    /// Closes the connection the request arrived on: its body stream ends with an error.
    var closeConnection: SegmentReceiver.CloseConnection {
        guard case .channel(let channel) = peer else { return {} }
        return { channel.close(promise: nil) }
    }

    /// Sends `100 Continue` ahead of the final answer (for `Expect: 100-continue`).
    func sendContinue() async {
        guard case .channel(let channel) = peer else { return }
        try? await channel.writeAndFlush(HTTPResponsePart.head(HTTPResponse(status: .continue)))
    }

    private struct NamedSource: RequestContextSource {
        var logger: Logger
    }
}
