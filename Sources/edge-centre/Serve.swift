import ArgumentParser
import CentreReceiver
import EdgeSystem
import Enrolment

extension EdgeCentre {
    /// A thin adapter: flags to `CentreServer.Configuration`, events to standard error.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Receive sealed segments and manifests from gateways over mutual TLS.",
            discussion: """
                Implements Sources/Uplink/PROTOCOL.md. Gateways authenticate with client \
                certificates issued by --ca; the certificate's CN is the gateway id, whose \
                minisign key must be in --gateways as <gateway>.pub (edgectl keys show). \
                Evidence is stored under --store as <gateway>/<camera>/, the layout \
                `edge-centre verify --gateway-key KEY STORE/GATEWAY` checks. One line per \
                event goes to standard error; GET /metrics serves Prometheus text.
                """)

        @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one and logs it).")
        var listen = "0.0.0.0:8443"

        @Option(help: "The evidence store's root directory (created if missing).")
        var store: String

        @Option(help: "PEM file of the CA that issues gateway client certificates.")
        var ca: String

        @Option(help: "PEM file of the server's certificate chain.")
        var cert: String

        @Option(help: "PEM file of the server's private key.")
        var key: String

        @Option(help: "Directory of registered gateways' minisign public keys, <gateway>.pub.")
        var gateways: String

        @Option(help: "Largest segment accepted, in MiB.")
        var maxSegmentMib: Int64 = 1024

        @Option(help: "Seconds a request body may go without a byte before its connection is closed.")
        var stallSeconds: Int = 60

        @Option(help: "Connections open at once, from all gateways together; more are closed at once.")
        var maxConnections = 512

        @Option(help: "Connections open at once from one IP address; more are closed at once.")
        var maxConnectionsPerPeer = 16

        @Option(help: "Seconds from accepting a connection to a finished TLS handshake.")
        var handshakeSeconds = 10

        @Option(help: "Seconds from a request's first byte to its complete header.")
        var headerSeconds = 10

        @Option(help: "Seconds a connection may stay open with no request in progress.")
        var idleSeconds = 60

        @Option(help: "The fleet directory: desired states, releases, reports (`release publish`, `fleet status`).")
        var fleet: String?

        @Option(help: "Enrolment: also listen on HOST:PORT (TLS, no client certificate) for `edgectl enrol`.")
        var enrolListen: String?

        @Option(help: "Enrolment: the tokens' folder (`edge-centre enrol issue-token --tokens`).")
        var enrolTokens: String?

        @Option(help: "Enrolment: the private key of --ca, which signs the gateways' certificates.")
        var caKey: String?

        @Option(help: "Enrolment: the CA file gateways are given to check this server (default: --ca).")
        var serverCa: String?

        @Option(help: "Enrolment: days a gateway certificate lasts (1–825).")
        var certificateDays = 397

        #if EDGE_FAULTS
        // Fault tests only (debug builds): never in a field release.
        @Option(
            help: .init(
                "Fault tests only: answer STATUS to PERCENT % of upload requests, e.g. 500:20,429:10.",
                visibility: .hidden))
        var injectRefusals: String?
        #else
        let injectRefusals: String? = nil
        #endif

        func validate() throws {
            guard Self.split(listen) != nil else {
                throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 0.0.0.0:8443 or 127.0.0.1:0")
            }
            for (flag, path) in [("--ca", ca), ("--cert", cert), ("--key", key), ("--gateways", gateways)]
            where !FileSystem.exists(path) {
                throw ValidationError("\(flag) \(path) does not exist (Tools/pki makes a test PKI)")
            }
            guard (1...(1 << 20)).contains(maxSegmentMib) else { throw ValidationError("--max-segment-mib must be 1…1048576") }
            if let enrolListen {
                guard Self.split(enrolListen) != nil else { throw ValidationError("--enrol-listen \(enrolListen): expected HOST:PORT") }
                guard let enrolTokens, let caKey else {
                    throw ValidationError("--enrol-listen needs --enrol-tokens DIR and --ca-key FILE (the key of --ca)")
                }
                for (flag, path) in [("--enrol-tokens", enrolTokens), ("--ca-key", caKey), ("--server-ca", serverCa ?? ca)]
                where !FileSystem.exists(path) {
                    throw ValidationError("\(flag) \(path) does not exist")
                }
                guard (1...825).contains(certificateDays) else { throw ValidationError("--certificate-days must be 1…825") }
                let serverCAText = try? FileSystem.readFile(serverCa ?? ca, limit: 48 * 1024)
                do { try CertificateFacts.checkCertificate(serverCAText ?? [], what: "--server-ca \(serverCa ?? ca)") } catch {
                    throw ValidationError("\(error.message) (at most 48 KiB of PEM)")
                }
            } else if enrolTokens != nil || caKey != nil || serverCa != nil {
                throw ValidationError("--enrol-tokens, --ca-key and --server-ca go with --enrol-listen HOST:PORT")
            }
            for (flag, value) in [
                ("--stall-seconds", stallSeconds), ("--handshake-seconds", handshakeSeconds),
                ("--header-seconds", headerSeconds), ("--idle-seconds", idleSeconds),
            ] where !(1...3600).contains(value) {
                throw ValidationError("\(flag) must be 1…3600, not \(value)")
            }
            guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1…1000000") }
            guard (1...maxConnections).contains(maxConnectionsPerPeer) else {
                throw ValidationError("--max-connections-per-peer must be 1…--max-connections (\(maxConnections))")
            }
            if let injectRefusals {
                do { _ = try InjectedRefusals(parsing: injectRefusals) } catch {
                    throw ValidationError("--inject-refusals \(error)")
                }
            }
        }

        func run() async throws {
            let (host, port) = Self.split(listen)!
            let server: CentreServer
            do {
                server = try CentreServer(
                    .init(
                        host: host, port: port, store: store, caFile: ca, certificateFile: cert, keyFile: key,
                        gatewaysDirectory: gateways, maxSegmentBytes: maxSegmentMib << 20,
                        bodyStallTimeout: .seconds(stallSeconds),
                        connections: ConnectionLimits(
                            maxConnections: maxConnections, maxPerPeer: maxConnectionsPerPeer,
                            handshakeTimeout: .seconds(handshakeSeconds), headerTimeout: .seconds(headerSeconds),
                            idleTimeout: .seconds(idleSeconds)),
                        injectedRefusals: try injectRefusals.map { try InjectedRefusals(parsing: $0) }, fleetDirectory: fleet,
                        enrolment: try enrolment()),
                    log: { printError($0) })
                try await server.run()
            } catch {
                throw CentreError("serve: \(error)")
            }
        }

        /// The enrolment listener, when asked for: the CA (checked against its key now, not
        /// at the first enrolment) and the tokens.
        func enrolment() throws -> CentreServer.EnrolmentListener? {
            guard let enrolListen, let enrolTokens, let caKey else { return nil }
            let (host, port) = Self.split(enrolListen)!
            let authority = try CertificateAuthority(certificateFile: ca, keyFile: caKey)
            let serverCA = try FileSystem.readFile(serverCa ?? ca, limit: 48 * 1024)
            let desk = EnrolmentDesk(
                tokens: EnrolmentTokens(directory: enrolTokens), keys: GatewayKeys(directory: gateways), authority: authority,
                serverCA: serverCA, certificateDays: certificateDays, log: { printError($0) })
            return CentreServer.EnrolmentListener(host: host, port: port, desk: desk)
        }

        static func split(_ address: String) -> (String, Int)? {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (0...65535).contains(port), colon > address.startIndex
            else { return nil }
            return (String(address[..<colon]).trimmingBrackets, port)
        }
    }
}

extension String {
    /// `[::1]` → `::1`.
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}
