import CentreReceiver
import EdgeSystem
import Foundation
import Testing
import TestSupport

/// The real `edge-centre serve` against connections that never become requests: the
/// deadlines close them and the caps refuse the surplus, each with a log line. Every wait
/// here is for an event (the server closing the socket), bounded in time.
@Suite(.serialized) struct ConnectionLimitsTests {
    /// A plain TCP connection to 127.0.0.1 (or another loopback source address).
    final class RawConnection {
        let fd: Int32

        init(port: Int, from source: String? = nil) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            if let source {
                var local = sockaddr_in()
                local.sin_family = sa_family_t(AF_INET)
                inet_pton(AF_INET, source, &local.sin_addr)
                _ = withUnsafePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard status == 0 else { throw SystemError(code: errno, call: "connect") }
        }

        deinit { close(fd) }

        func send(_ text: String) {
            var bytes = Array(text.utf8)
            _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        }

        /// Seconds until the server closed the connection (EOF or reset), nil if it was
        /// still open after `limit` seconds.
        func secondsUntilClosed(limit: Double) -> Double? {
            let start = ContinuousClock.now
            var buffer = [UInt8](repeating: 0, count: 4096)
            while (ContinuousClock.now - start).seconds < limit {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let left = Int32(max(1, (limit - (ContinuousClock.now - start).seconds) * 1000))
                guard poll(&p, 1, left) > 0 else { continue }
                if read(fd, &buffer, buffer.count) <= 0 { return (ContinuousClock.now - start).seconds }
            }
            return nil
        }
    }

    func server(_ f: UploadFixture, _ extra: [String]) throws -> LoopbackTLSTests.Server {
        let pki = "\(f.root)/pki"
        #expect(try Tool.run("\(LoopbackTLSTests.repository)/Tools/pki", [pki]).status == 0)
        return try LoopbackTLSTests.Server(arguments: [
            "serve", "--listen", "127.0.0.1:0", "--store", "\(f.root)/served", "--ca", "\(pki)/ca.pem",
            "--cert", "\(pki)/server.pem", "--key", "\(pki)/server.key", "--gateways", f.gateways,
        ] + extra, keepLog: true)
    }

    @Test(.enabled(if: Tool.available("openssl") && FileSystem.exists(LoopbackTLSTests.edgeCentre)))
    func aConnectionThatNeverHandshakesIsClosed() async throws {
        let f = try UploadFixture()
        let server = try server(f, ["--handshake-seconds", "1", "--idle-seconds", "30", "--header-seconds", "30"])
        defer { server.stop() }
        let silent = try RawConnection(port: server.port)
        let closed = silent.secondsUntilClosed(limit: 20)
        #expect(closed != nil && closed! >= 0.8, "closed after \(closed.map { "\($0) s" } ?? "never")")
        #expect(try server.waitForLog("event=connection-closed", within: 10).contains("reason=handshake-timeout"))
    }

    @Test(.enabled(if: Tool.available("openssl") && FileSystem.exists(LoopbackTLSTests.edgeCentre)))
    func connectionsOverThePerPeerLimitAreClosedAtOnce() async throws {
        let f = try UploadFixture()
        let server = try server(f, ["--max-connections-per-peer", "3", "--max-connections", "5", "--handshake-seconds", "60"])
        defer { server.stop() }
        // Four at once: the server admits them in whatever order its event loops run, so
        // any one of the four may be the one refused — but exactly one is, at once.
        let four = try (0..<4).map { _ in try RawConnection(port: server.port) }
        #expect(try server.waitForLog("event=connection-refused", within: 10).contains("the limit per address"))
        let closed = four.filter { $0.secondsUntilClosed(limit: 2) != nil }
        #expect(closed.count == 1)
        // Other addresses still get in, until the global limit (5: three open, two more).
        let others = try ["127.0.0.2", "127.0.0.3"].map { try RawConnection(port: server.port, from: $0) }
        #expect(others.allSatisfy { $0.secondsUntilClosed(limit: 1) == nil })
        let sixth = try RawConnection(port: server.port, from: "127.0.0.4")
        #expect(sixth.secondsUntilClosed(limit: 10) != nil)
        #expect(try server.waitForLog("its limit (--max-connections 5)", within: 10) != "")
    }

    @Test(.enabled(if: Tool.available("openssl") && FileSystem.exists(LoopbackTLSTests.edgeCentre)))
    func aHeaderSentByteByByteIsCutAtTheHeaderDeadlineAndAnIdleOneAtTheIdleDeadline() async throws {
        let f = try UploadFixture()
        let pki = "\(f.root)/pki"
        let server = try server(f, ["--header-seconds", "1", "--idle-seconds", "2"])
        defer { server.stop() }
        func client() throws -> TLSClient {
            try TLSClient(port: server.port, certificate: "\(pki)/site-042.pem", key: "\(pki)/site-042.key", ca: "\(pki)/ca.pem")
        }
        let idle = try client()
        let slow = try client()
        slow.send("HEAD /v1/segments/cam1/1 HTTP/1.1\r\n")
        let slowClosed = slow.secondsUntilExit(limit: 20)
        let idleClosed = idle.secondsUntilExit(limit: 20)
        #expect(slowClosed != nil && idleClosed != nil)
        let log = try server.waitForLog("reason=idle-timeout", within: 10)
        #expect(log.contains("reason=header-timeout"))
    }
}

/// `openssl s_client` with a client certificate, its input held open.
final class TLSClient {
    let process = Process()
    let input = Pipe()
    let start = ContinuousClock.now

    init(port: Int, certificate: String, key: String, ca: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "s_client", "-quiet", "-connect", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-CAfile", ca,
        ]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    func send(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// Seconds from start until s_client exited (the server closed), nil after `limit`.
    func secondsUntilExit(limit: Double) -> Double? {
        while (ContinuousClock.now - start).seconds < limit {
            if !process.isRunning { return (ContinuousClock.now - start).seconds }
            usleep(20_000)
        }
        return nil
    }
}

/// A client certificate must name one gateway: two CNs name none.
@Suite struct CertificateIdentityTests {
    @Test(.enabled(if: Tool.available("openssl") && Tool.available("curl") && FileSystem.exists(LoopbackTLSTests.edgeCentre)))
    func aCertificateWithTwoCommonNamesIsNoIdentity() throws {
        let f = try UploadFixture()
        let pki = "\(f.root)/pki"
        #expect(try Tool.run("\(LoopbackTLSTests.repository)/Tools/pki", [pki]).status == 0)
        // Issued by the centre's own CA, for "site-042" and "site-043" at once.
        let two = "\(pki)/two"
        for step in [
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(two).key"],
            ["req", "-new", "-key", "\(two).key", "-subj", "/CN=site-043/CN=site-042", "-out", "\(two).csr"],
            ["x509", "-req", "-in", "\(two).csr", "-CA", "\(pki)/ca.pem", "-CAkey", "\(pki)/ca.key", "-CAcreateserial",
             "-days", "2", "-out", "\(two).pem"],
        ] { #expect(try Tool.run("openssl", step).status == 0) }
        let server = try LoopbackTLSTests.Server(arguments: [
            "serve", "--listen", "127.0.0.1:0", "--store", "\(f.root)/served", "--ca", "\(pki)/ca.pem",
            "--cert", "\(pki)/server.pem", "--key", "\(pki)/server.key", "--gateways", f.gateways,
        ])
        defer { server.stop() }
        func identity(_ name: String) throws -> Tool.Output {
            try Tool.run("curl", [
                "-sS", "-w", "\n%{http_code}", "--cacert", "\(pki)/ca.pem", "--cert", "\(pki)/\(name).pem",
                "--key", "\(pki)/\(name).key", "https://127.0.0.1:\(server.port)/v1/identity",
            ])
        }
        let one = try identity("site-042")
        #expect(one.stdout.hasSuffix("\n200") && one.stdout.contains(#""gateway":"site-042""#), "\(one.stdout)")
        let both = try identity("two")
        #expect(both.stdout.hasSuffix("\n403"), "\(both.stdout)")
        #expect(both.stdout.contains("plain gateway id"))
    }
}
