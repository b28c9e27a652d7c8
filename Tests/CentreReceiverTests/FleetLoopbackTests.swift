import CentreReceiver
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Foundation
import Testing
import TestSupport

/// The update routes of `edge-centre serve --fleet` for real, over mutual TLS, driven by
/// curl as a gateway would: desired state with its ETag, a release whole and by range,
/// reports; and the refusals.
@Suite struct FleetLoopbackTests {
    @Test(.enabled(if: Tool.available("curl") && Tool.available("openssl")))
    func desiredStateReleasesByRangeAndReports() async throws {
        let f = try UploadFixture()
        let pki = "\(f.root)/pki"
        #expect(try Tool.run("\(LoopbackTLSTests.repository)/Tools/pki", [pki]).status == 0)
        let fleet = try FleetStore(directory: "\(f.root)/fleet")
        let archive = (0..<25_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try Fixtures.write(archive, to: "\(f.root)/release.tar")
        let hex = Hex.encode(SHA256.hash(archive))
        try fleet.publish(
            archive: "\(f.root)/release.tar", sha256: hex, size: Int64(archive.count), version: "1.4.0", securityVersion: 3,
            stages: [["site-042"]], pollSeconds: 120)
        let server = try LoopbackTLSTests.Server(arguments: [
            "serve", "--listen", "127.0.0.1:0", "--store", "\(f.root)/served", "--ca", "\(pki)/ca.pem",
            "--cert", "\(pki)/server.pem", "--key", "\(pki)/server.key", "--gateways", f.gateways, "--fleet", fleet.directory,
        ])
        defer { server.stop() }
        let base = "https://127.0.0.1:\(server.port)"
        func curl(_ arguments: [String], as certificate: String = "site-042") throws -> (status: String, body: [UInt8], headers: String) {
            let out = try Tool.run("curl", [
                "-sS", "-o", "\(f.root)/answer", "-D", "\(f.root)/headers", "-w", "%{http_code}", "--cacert", "\(pki)/ca.pem",
                "--cert", "\(pki)/\(certificate).pem", "--key", "\(pki)/\(certificate).key",
            ] + arguments)
            let body = (try? FileSystem.readFile("\(f.root)/answer")) ?? []
            let headers = String(decoding: (try? FileSystem.readFile("\(f.root)/headers")) ?? [], as: UTF8.self).lowercased()
            return (out.stdout, body, headers)
        }

        let desired = try curl(["\(base)/v1/desired"])
        #expect(desired.status == "200")
        let value = try JSONParser.parse(desired.body)
        #expect(value["pollSeconds"] == JSONValue.number("120"))
        #expect(value["release"]?["url"] == JSONValue.string("/v1/releases/\(hex)"))
        let etag = "\"\(Hex.encode(SHA256.hash(desired.body)))\""
        #expect(desired.headers.contains("etag: \(etag)"))
        #expect(try curl(["-H", "If-None-Match: \(etag)", "\(base)/v1/desired"]).status == "304")
        // site-043 has a certificate from the CA but no registered key.
        #expect(try curl(["\(base)/v1/desired"], as: "site-043").status == "403")

        let whole = try curl(["\(base)/v1/releases/\(hex)"])
        #expect(whole.status == "200" && whole.body == archive)
        let rest = try curl(["-H", "Range: bytes=20000-", "\(base)/v1/releases/\(hex)"])
        #expect(rest.status == "206")
        #expect(rest.body == Array(archive[20000...]))
        #expect(rest.headers.contains("content-range: bytes 20000-24999/25000"))
        let past = try curl(["-H", "Range: bytes=25000-", "\(base)/v1/releases/\(hex)"])
        #expect(past.status == "416" && past.headers.contains("content-range: bytes */25000"))
        #expect(try curl(["\(base)/v1/releases/\(String(repeating: "0", count: 64))"]).status == "404")
        #expect(try curl(["\(base)/v1/releases/..%2Fdesired%2Fsite-042.json"]).status == "400")

        let report = #"{"firmware":{"slot":"b","version":"1.4.0","securityVersion":3},"probation":null,"outcomes":[]}"#
        let json = ["-X", "PUT", "-H", "Content-Type: application/json", "--data-binary"]
        #expect(try curl(json + [report, "\(base)/v1/report"]).status == "200")
        #expect(try curl(["-X", "PUT", "-H", "Content-Type: text/plain", "--data-binary", report, "\(base)/v1/report"]).status == "415")
        #expect(try curl(json + ["[1,2]", "\(base)/v1/report"]).status == "400")
        try Fixtures.write([UInt8](repeating: 0x20, count: FleetStore.maxReportBytes + 1), to: "\(f.root)/big.json")
        #expect(try curl(json + ["@\(f.root)/big.json", "\(base)/v1/report"]).status == "413")
        let entries = try fleet.fleet()
        #expect(entries.map(\.gateway) == ["site-042"])
        #expect(entries.first?.reported?["report"]?["firmware"]?["version"] == JSONValue.string("1.4.0"))
    }
}
