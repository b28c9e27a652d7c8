import EdgeJSON

/// `edgectl uplink test`: can this gateway reach a destination, and where does it stop?
/// One `GET /v1/identity` with the destination's own TLS settings, taken apart into the
/// steps a technician can act on: connect (DNS, route, firewall), TLS (the centre's
/// certificate, our certificate), authentication (the centre knows this gateway and
/// holds its signing key).
public enum UplinkProbe {
    public struct Step: Sendable, Equatable {
        public var name: String
        public var ok: Bool
        public var detail: String
        /// Milliseconds from the start, when the step was reached.
        public var milliseconds: Int64?
    }

    public static func run(_ destination: UplinkDestination) -> [Step] {
        let transport: CurlTransport
        do { transport = try CurlTransport(destination: destination) } catch {
            return [Step(name: "connect", ok: false, detail: "libcurl could not start: \(error)", milliseconds: nil)]
        }
        let url = destination.url.hasSuffix("/") ? destination.url + "v1/identity" : destination.url + "/v1/identity"
        let probe = transport.probe(url)
        return steps(probe.result, connectMicros: probe.connectMicros, tlsMicros: probe.tlsMicros)
    }

    /// The steps from what the request did (separate from the network for tests).
    static func steps(_ result: Result<TransportResponse, UplinkError>, connectMicros: Int64, tlsMicros: Int64) -> [Step] {
        let connected = connectMicros > 0
        let shook = tlsMicros > 0
        var steps: [Step] = []
        let connectStep = Step(name: "connect", ok: true, detail: "TCP connection open", milliseconds: connectMicros / 1000)
        switch result {
        case .failure(let error) where !connected && error.code != .tls:
            return [Step(name: "connect", ok: false, detail: "\(error.message) (check the address, the route and the firewall)", milliseconds: nil)]
        case .failure(let error) where !shook || error.code == .tls || error.message.contains("alert"):
            steps.append(connectStep)
            let refusedUs = error.message.contains("alert")
            let why =
                refusedUs
                ? "the centre refused this gateway's certificate (\(error.message)); is it issued by the centre's CA and not expired?"
                : "\(error.message) (is the centre's certificate issued by the configured caFile, for this host name?)"
            steps.append(Step(name: "tls", ok: false, detail: why, milliseconds: nil))
            return steps
        case .failure(let error):
            steps.append(connectStep)
            steps.append(Step(name: "tls", ok: true, detail: "handshake done, both certificates accepted", milliseconds: tlsMicros / 1000))
            steps.append(Step(name: "auth", ok: false, detail: "no answer after the handshake: \(error.message)", milliseconds: nil))
            return steps
        case .success(let response):
            steps.append(connectStep)
            steps.append(Step(name: "tls", ok: true, detail: "handshake done, both certificates accepted", milliseconds: tlsMicros / 1000))
            let body = try? JSONParser.parse(response.body)
            switch response.status {
            case 200 where body?["registered"] == .bool(true):
                let who = body?["gateway"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "?"
                steps.append(Step(name: "auth", ok: true, detail: "the centre knows this gateway as \(who) and holds its key", milliseconds: nil))
            case 200:
                let why = body?["error"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "its key is not registered"
                steps.append(Step(name: "auth", ok: false, detail: "the certificate is accepted but \(why) (edgectl keys show prints the key)", milliseconds: nil))
            case 401, 403:
                let why = body?["error"].flatMap { if case .string(let s) = $0 { ": \(s)" } else { nil } } ?? ""
                steps.append(Step(name: "auth", ok: false, detail: "the centre refused this gateway (HTTP \(response.status))\(why)", milliseconds: nil))
            default:
                steps.append(Step(name: "auth", ok: false, detail: "unexpected answer HTTP \(response.status) to GET /v1/identity; is this the centre's URL?", milliseconds: nil))
            }
            return steps
        }
    }
}
