import EdgeSystem
import Foundation
import SegmentRing
import TestSupport
import Testing
@testable import Uplink

/// The real libcurl transport against a tiny HTTPS centre (`LoopbackServer.py`, Python's
/// http.server + ssl) on 127.0.0.1, with a PKI made here with the openssl CLI: the test
/// CA, a server certificate for 127.0.0.1, a client certificate `CN=site-042`, and a
/// second CA whose server certificate our curl must refuse.
@Suite(.enabled(if: Tool.available("python3") && Tool.available("openssl")))
final class LoopbackTests {
    let dir: String
    let server: Process
    let input = Pipe()
    let good: Int
    let other: Int

    init() throws {
        dir = try Fixtures.scratchDirectory("uplink-tls")
        try Self.makePKI(dir)
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("LoopbackServer.py").path
        server.arguments = ["python3", script, dir]
        let output = Pipe()
        server.standardOutput = output
        server.standardInput = input
        // Aborted connections (the refusal tests, stop) make socketserver print tracebacks.
        server.standardError = FileHandle.nullDevice
        try server.run()
        // The server prints its two ports once it listens: a blocking read, no sleep.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            line += more
        }
        let ports = String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        guard ports.count == 2 else { throw LoopbackError("the loopback server did not start") }
        (good, other) = (ports[0], ports[1])
    }

    deinit {
        try? input.fileHandleForWriting.close()
        server.terminate()
        server.waitUntilExit()
    }

    static func openssl(_ arguments: [String]) throws {
        let r = try Tool.run("openssl", arguments)
        guard r.status == 0 else { throw LoopbackError("openssl \(arguments.joined(separator: " ")): \(r.stderr)") }
    }

    /// A CA, and certificates it signs: `name.crt`/`name.key`.
    static func makePKI(_ d: String) throws {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + ec + ["-keyout", "\(d)/\(ca).key", "-out", "\(d)/\(ca).crt", "-subj", "/CN=\(ca)", "-days", "2"])
        }
        try Fixtures.write(Array("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".utf8), to: "\(d)/server.ext")
        try Fixtures.write(Array("extendedKeyUsage=clientAuth\n".utf8), to: "\(d)/client.ext")
        for (name, ca, cn, ext) in [
            ("server", "ca", "127.0.0.1", "server.ext"), ("client", "ca", "site-042", "client.ext"),
            ("other-server", "other-ca", "127.0.0.1", "server.ext"), ("other-client", "other-ca", "site-042", "client.ext"),
        ] {
            try openssl(["req"] + ec + ["-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).csr", "-subj", "/CN=\(cn)"])
            try openssl([
                "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/\(ca).crt", "-CAkey", "\(d)/\(ca).key",
                "-CAcreateserial", "-out", "\(d)/\(name).crt", "-days", "2", "-extfile", "\(d)/\(ext)",
            ])
        }
    }

    var tls: UplinkTLS { UplinkTLS(caFile: "\(dir)/ca.crt", certFile: "\(dir)/client.crt", keyFile: "\(dir)/client.key") }

    func json(_ r: TransportResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    @Test func clientCertificateAuthenticatesTheGateway() throws {
        let t = try CurlTransport(tls: tls)
        let r = try t.put("https://127.0.0.1:\(good)/v1/gaps/cam/1", headers: [("Edge-Signature", "c2ln")], body: .bytes(Array("{}".utf8)), control: TransferControl())
        #expect(r.status == 200)
        #expect(try json(r)["cn"] as? String == "site-042")
        let head = try t.head("https://127.0.0.1:\(good)/v1/segments/cam/1", headers: [], control: TransferControl())
        #expect(head.status == 404 && head[header: "Edge-Offset"] == "0")
    }

    @Test func aClientCertificateFromAnotherCAIsRefusedByTheCentre() throws {
        let t = try CurlTransport(tls: UplinkTLS(caFile: "\(dir)/ca.crt", certFile: "\(dir)/other-client.crt", keyFile: "\(dir)/other-client.key"))
        #expect(throws: UplinkError.self) {
            try t.put("https://127.0.0.1:\(good)/v1/gaps/cam/1", headers: [], body: .bytes([1]), control: TransferControl())
        }
    }

    @Test func aServerCertificateFromAnotherCAIsRefused() throws {
        let t = try CurlTransport(tls: tls)
        do {
            _ = try t.put("https://127.0.0.1:\(other)/v1/gaps/cam/1", headers: [], body: .bytes([1]), control: TransferControl())
            Issue.record("a server certificate from another CA was accepted")
        } catch {
            #expect(error.code == .tls)
            #expect(error.message.contains("CURLcode 60"))
        }
    }

    @Test func pinning() throws {
        let pin = try Tool.run("/bin/sh", ["-c", "openssl x509 -in '\(dir)/server.crt' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl base64 -A"])
        var right = tls
        right.pinnedKey = "sha256//" + pin.stdout
        #expect(try CurlTransport(tls: right).head("https://127.0.0.1:\(good)/x", headers: [], control: TransferControl()).status == 404)
        var wrong = tls
        wrong.pinnedKey = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        #expect(throws: UplinkError.self) { try CurlTransport(tls: wrong).head("https://127.0.0.1:\(good)/x", headers: [], control: TransferControl()) }
    }

    @Test func putWithAnOffsetSendsExactlyTheRest() throws {
        var generator = SeededGenerator(seed: 7)
        let bytes = generator.bytes(300_000)
        let path = "\(dir)/segment.mkv.age"
        try Fixtures.write(bytes, to: path)
        let sent = SentCounter()
        let control = TransferControl(progress: { sent.value = $0 })
        let r = try CurlTransport(tls: tls).put(
            "https://127.0.0.1:\(good)/v1/segments/cam/1", headers: [("Edge-Offset", "123456")],
            body: .file(path: path, offset: 123_456, length: Int64(bytes.count - 123_456)), control: control)
        let answer = try json(r)
        #expect(r.status == 200)
        #expect(answer["offset"] as? String == "123456")
        #expect(answer["length"] as? Int == bytes.count - 123_456)
        let digest = try Tool.run("/bin/sh", ["-c", "tail -c +123457 '\(path)' | sha256sum"]).stdout.prefix(64)
        #expect(answer["sha256"] as? String == String(digest))
        #expect(sent.value == Int64(bytes.count - 123_456))
    }

    @Test func theUplinkDeliversARingEndToEnd() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1, size: 50_000)
        try h.segment("cam", 2, size: 70_000)
        try h.gap("cam", 3)
        try h.keeper.scan()
        let done = DispatchSemaphore(value: 0)
        let log = EventLog()
        let destination = UplinkDestination(name: "centre", url: "https://127.0.0.1:\(good)", tls: tls, rateBytesPerSecond: 1 << 20)
        let uplink = try Uplink.start(ring: h.layout, acknowledgements: h.keeper, holds: h.holds, destinations: [destination], clockSynced: { false }) { e in
            log.record(e)
            if case .uploaded = e { done.signal() }
        }
        for _ in 0..<3 { #expect(done.wait(timeout: .now() + 30) == .success) }
        uplink.stop()
        #expect(h.acked("cam", 1) && h.acked("cam", 2))
        #expect(FileSystem.exists("\(h.layout.directory(camera: "cam"))/00000003-gap.ack-centre"))
        #expect(uplink.status().first?.pending == 0)
    }

    @Test func stopCutsARunningTransferPromptly() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1, size: 4 << 20)
        try h.keeper.scan()
        let started = DispatchSemaphore(value: 0)
        // 4 MiB at 16 KiB/s would take minutes.
        let destination = UplinkDestination(name: "centre", url: "https://127.0.0.1:\(good)", tls: tls, rateBytesPerSecond: 16 << 10)
        let uplink = try Uplink.start(ring: h.layout, acknowledgements: h.keeper, holds: h.holds, destinations: [destination], clockSynced: { false }) { e in
            if case .progress = e { started.signal() }
        }
        #expect(started.wait(timeout: .now() + 30) == .success)
        let before = SystemTime().monotonicNow()
        uplink.stop()
        #expect(SystemTime().monotonicNow() - before < .seconds(3))
        #expect(!h.acked("cam", 1))
    }
}

final class SentCounter: @unchecked Sendable {
    var value: Int64 = 0
}

struct LoopbackError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
