import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// `edge-centre serve`: the receiver behind HTTPS with client certificates required and
/// verified against the centre's CA during the handshake (a certificate from any other CA,
/// or none, never reaches a route).
public struct CentreServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var store: String
        public var caFile: String
        public var certificateFile: String
        public var keyFile: String
        public var gatewaysDirectory: String
        public var maxSegmentBytes: Int64
        /// Time a request body may go without a byte before its connection is closed.
        public var bodyStallTimeout: Duration
        /// Connection caps and the deadlines before and between requests.
        public var connections: ConnectionLimits
        /// Fault tests only: refuse a share of requests on purpose.
        public var injectedRefusals: InjectedRefusals?
        /// Where the desired states, releases and reports are (nil: no updates served).
        public var fleetDirectory: String?
        /// The enrolment listener (nil: gateways are registered by hand).
        public var enrolment: EnrolmentListener?

        public init(
            host: String, port: Int, store: String, caFile: String, certificateFile: String, keyFile: String,
            gatewaysDirectory: String, maxSegmentBytes: Int64 = 1 << 30, bodyStallTimeout: Duration = .seconds(60),
            connections: ConnectionLimits = ConnectionLimits(), injectedRefusals: InjectedRefusals? = nil,
            fleetDirectory: String? = nil, enrolment: EnrolmentListener? = nil
        ) {
            self.enrolment = enrolment
            self.fleetDirectory = fleetDirectory
            self.connections = connections
            self.bodyStallTimeout = bodyStallTimeout
            self.injectedRefusals = injectedRefusals
            self.host = host
            self.port = port
            self.store = store
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.gatewaysDirectory = gatewaysDirectory
            self.maxSegmentBytes = maxSegmentBytes
        }
    }

    /// A second port, TLS without client certificates, where gateways enrol with a token.
    public struct EnrolmentListener: Sendable {
        public var host: String
        public var port: Int
        public var desk: EnrolmentDesk

        public init(host: String, port: Int, desk: EnrolmentDesk) {
            self.host = host
            self.port = port
            self.desk = desk
        }
    }

    public let configuration: Configuration
    public let receiver: SegmentReceiver
    let log: @Sendable (String) -> Void

    public init(_ configuration: Configuration, log: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.log = log
        receiver = SegmentReceiver(
            archive: try FilesystemArchive(root: configuration.store),
            keys: GatewayKeys(directory: configuration.gatewaysDirectory),
            maxSegmentBytes: configuration.maxSegmentBytes, bodyStallTimeout: configuration.bodyStallTimeout, log: log)
    }

    /// Mutual TLS, 1.2 or later: our certificate and key; the client's chain must lead to
    /// the CA file (client host names are not checked: the identity is the CN).
    public static func tlsConfiguration(caFile: String, certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        tls.certificateVerification = .noHostnameVerification
        tls.sendCANameList = true
        return tls
    }

    /// HTTP/1.1 over TLS; on every connection a `ConnectionGate` right behind TLS (admission
    /// against `table`, handshake / header / idle deadlines) and a `RequestWatch` behind the
    /// HTTP decoder.
    public static func server(tls: TLSConfiguration, table: ConnectionTable, events: ConnectionEvents) throws
        -> HTTPServerBuilder
    {
        let tlsChannel = TLSChannelConfiguration(tlsConfiguration: tls)
        return HTTPServerBuilder { responder in
            try TLSChannel(
                GatedChannel(
                    base: HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [RequestWatch()])),
                    table: table, events: events),
                configuration: tlsChannel)
        }
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in progress.
    public func run() async throws {
        let tls = try Self.tlsConfiguration(
            caFile: configuration.caFile, certificateFile: configuration.certificateFile, keyFile: configuration.keyFile)
        let table = ConnectionTable(limits: configuration.connections)
        let events = ConnectionEvents(metrics: receiver.metrics, log: log)
        var logger = Logger(label: "edge-centre") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let log = self.log
        let app = Application(
            router: CentreRoutes.router(
                receiver, fleet: try configuration.fleetDirectory.map { try FleetStore(directory: $0) },
                renewing: configuration.enrolment?.desk, injecting: configuration.injectedRefusals),
            server: try Self.server(tls: tls, table: table, events: events),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "edge-centre"),
            onServerRunning: { channel in
                let address = channel.localAddress
                log("event=listening address=\(address?.ipAddress ?? "?"):\(address?.port ?? 0) store=\(configuration.store)")
            },
            logger: logger)
        var services: [any Service] = [app]
        if let enrolment = configuration.enrolment {
            // The same server certificate; no client certificate asked for (a gateway
            // enrols to get one), its own connection cap and the same deadlines.
            var open = tls
            open.certificateVerification = .none
            open.sendCANameList = false
            let enrolTable = ConnectionTable(limits: configuration.connections)
            services.append(
                Application(
                    router: EnrolmentRoutes.router(enrolment.desk),
                    server: try Self.server(tls: open, table: enrolTable, events: events),
                    configuration: .init(address: .hostname(enrolment.host, port: enrolment.port), serverName: "edge-centre"),
                    onServerRunning: { channel in
                        let address = channel.localAddress
                        log("event=listening-enrolment address=\(address?.ipAddress ?? "?"):\(address?.port ?? 0)")
                    },
                    logger: logger))
        }
        try await ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger).run()
    }
}
