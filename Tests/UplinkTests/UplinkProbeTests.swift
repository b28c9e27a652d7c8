@testable import Uplink
import Testing

/// `edgectl uplink test`: how far the request got decides which step is named as failing.
@Suite struct UplinkProbeTests {
    func names(_ steps: [UplinkProbe.Step]) -> [String] { steps.map { "\($0.name):\($0.ok ? "ok" : "fail")" } }

    @Test func noConnectionIsTheConnectStep() {
        let steps = UplinkProbe.steps(.failure(UplinkError(.network, "Couldn't connect to server")), connectMicros: 0, tlsMicros: 0)
        #expect(names(steps) == ["connect:fail"])
        #expect(steps[0].detail.contains("firewall"))
    }

    @Test func theCentresCertificateRefusedIsTheTLSStep() {
        let error = UplinkError(.tls, "SSL certificate problem: unable to get local issuer certificate")
        let steps = UplinkProbe.steps(.failure(error), connectMicros: 900, tlsMicros: 0)
        #expect(names(steps) == ["connect:ok", "tls:fail"])
        #expect(steps[1].detail.contains("caFile"))
    }

    @Test func ourCertificateRefusedIsTheTLSStepToo() {
        // TLS 1.3: the centre's alert arrives with the first read, after our side's handshake.
        let error = UplinkError(.network, "OpenSSL SSL_read: tlsv1 alert unknown ca")
        let steps = UplinkProbe.steps(.failure(error), connectMicros: 900, tlsMicros: 3000)
        #expect(names(steps) == ["connect:ok", "tls:fail"])
        #expect(steps[1].detail.contains("refused this gateway's certificate"))
    }

    @Test func anUnregisteredGatewayIsTheAuthStep() {
        let body = Array(#"{"error":"gateway site-043 is not registered","gateway":"site-043","registered":false}"#.utf8)
        let steps = UplinkProbe.steps(.success(TransportResponse(status: 200, headers: [:], body: body)), connectMicros: 900, tlsMicros: 3000)
        #expect(names(steps) == ["connect:ok", "tls:ok", "auth:fail"])
        #expect(steps[2].detail.contains("site-043 is not registered"))
    }

    @Test func aRegisteredGatewayPassesEveryStep() {
        let body = Array(#"{"gateway":"site-042","registered":true}"#.utf8)
        let steps = UplinkProbe.steps(.success(TransportResponse(status: 200, headers: [:], body: body)), connectMicros: 900, tlsMicros: 3000)
        #expect(names(steps) == ["connect:ok", "tls:ok", "auth:ok"])
        #expect(steps.map(\.milliseconds) == [0, 3, nil])
    }

    @Test func somethingElseAnsweringIsNamed() {
        let steps = UplinkProbe.steps(.success(TransportResponse(status: 404, headers: [:], body: [])), connectMicros: 900, tlsMicros: 3000)
        #expect(names(steps) == ["connect:ok", "tls:ok", "auth:fail"])
        #expect(steps[2].detail.contains("is this the centre's URL"))
    }
}
