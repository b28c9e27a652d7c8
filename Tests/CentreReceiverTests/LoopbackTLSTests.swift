import CentreReceiver
import EdgeSystem
import Foundation
import Testing
import TestSupport

/// `edge-centre serve` for real on 127.0.0.1, with Tools/pki certificates, driven by curl
/// as a gateway would be: mutual TLS, PUT with the manifest headers, then `edge-centre
/// verify` on what arrived.
@Suite struct LoopbackTLSTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        return url.path
    }()

    /// The `edge-centre` binary built beside this test bundle.
    static let edgeCentre: String = {
        let exe = (try? FileSystem.readFile("/proc/self/cmdline", limit: 1 << 16)).flatMap { $0.split(separator: 0).first }
        var directory = String(decoding: exe ?? [], as: UTF8.self)
        if let slash = directory.lastIndex(of: "/") { directory = String(directory[..<slash]) }
        return "\(directory)/edge-centre"
    }()

    /// A running server; `stop()` sends SIGTERM and waits.
    final class Server {
        let process = Process()
        let port: Int
        /// Everything the server logged, when kept.
        let log = EventLog()

        init(arguments: [String], keepLog: Bool = false) throws {
            let errors = Pipe()
            process.executableURL = URL(fileURLWithPath: LoopbackTLSTests.edgeCentre)
            process.arguments = arguments
            process.standardError = errors
            try process.run()
            // Blocks on the pipe until the server says where it listens (or exits).
            var text = ""
            while !text.contains("event=listening") {
                let data = errors.fileHandleForReading.availableData
                if data.isEmpty { throw ServerExited(output: text) }
                text += String(decoding: data, as: UTF8.self)
            }
            // Keep reading, so event lines never fill the pipe and block the server.
            let log = self.log
            errors.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if keepLog { log.append(String(decoding: data, as: UTF8.self)) }
            }
            let line = text.split(separator: "\n").first { $0.contains("event=listening") }!
            let address = line.split(separator: " ").first { $0.hasPrefix("address=") }!
            port = Int(address.split(separator: ":").last!)!
        }

        /// The log so far, once it contains `needle` (or throws after `seconds`).
        func waitForLog(_ needle: String, within seconds: Double) throws -> String {
            let start = ContinuousClock.now
            while (ContinuousClock.now - start) < .milliseconds(Int64(seconds * 1000)) {
                let text = log.all.joined()
                if text.contains(needle) { return text }
                usleep(20_000)
            }
            throw ServerExited(output: "no \(needle) in the log within \(seconds) s:\n" + log.all.joined())
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    struct ServerExited: Error {
        var output: String
    }

    @Test(.enabled(if: Tool.available("curl") && Tool.available("openssl")))
    func curlUploadsOverMutualTLSAndTheChainVerifies() async throws {
        #expect(FileSystem.exists(Self.edgeCentre), "build edge-centre first: \(Self.edgeCentre)")
        let f = try UploadFixture()
        let pki = "\(f.root)/pki"
        let made = try Tool.run("\(Self.repository)/Tools/pki", [pki])
        #expect(made.status == 0, "\(made.stderr)")
        let served = "\(f.root)/served"
        let server = try Server(arguments: [
            "serve", "--listen", "127.0.0.1:0", "--store", served, "--ca", "\(pki)/ca.pem", "--cert", "\(pki)/server.pem",
            "--key", "\(pki)/server.key", "--gateways", f.gateways,
        ])
        defer { server.stop() }
        let base = "https://127.0.0.1:\(server.port)"

        func curl(_ certificate: String?, _ arguments: [String]) throws -> Tool.Output {
            var tls = ["--cacert", "\(pki)/ca.pem"]
            if let certificate { tls += ["--cert", "\(pki)/\(certificate).pem", "--key", "\(pki)/\(certificate).key"] }
            return try Tool.run("curl", ["-sS", "-o", "\(f.root)/answer", "-w", "%{http_code}"] + tls + arguments)
        }

        // Two segments and a gap, as the gateway's uplink would send them. The second is
        // over 1 MiB, so curl asks `Expect: 100-continue` and must not wait for it (-v
        // shows the 100; a 30 s expect timeout would show as a slow test, not a pass).
        let segments = [try f.segment(), try f.segment(size: 2 << 20)]
        let gap = try f.gap()
        for s in segments {
            let file = "\(f.root)/\(s.manifest.sequence).mkv.age"
            try Fixtures.write(s.ciphertext, to: file)
            let put = try curl("site-042", [
                "-v", "--expect100-timeout", "30", "-T", file,
                "-H", "Edge-Manifest: \(Data(s.manifest.json).base64EncodedString())",
                "-H", "Edge-Signature: \(Data(s.manifest.signature.utf8).base64EncodedString())",
                "\(base)/v1/segments/cam1/\(s.manifest.sequence)",
            ])
            #expect(put.stdout == "200", "\(put.stderr)")
            if s.ciphertext.count > 1 << 20 { #expect(put.stderr.contains("HTTP/1.1 100 Continue"), "\(put.stderr)") }
        }
        try Fixtures.write(gap.json, to: "\(f.root)/gap.json")
        let putGap = try curl("site-042", [
            "-T", "\(f.root)/gap.json", "-H", "Edge-Signature: \(Data(gap.signature.utf8).base64EncodedString())",
            "\(base)/v1/gaps/cam1/\(gap.sequence)",
        ])
        #expect(putGap.stdout == "200", "\(putGap.stderr)")
        let head = try curl("site-042", ["-I", "\(base)/v1/segments/cam1/\(segments[0].manifest.sequence)"])
        #expect(head.stdout == "200")

        // Another CA's certificate, even with the same CN, and no certificate at all, are
        // refused during the handshake: no HTTP status at all.
        let foreign = try curl("other-site-042", ["-I", "\(base)/v1/segments/cam1/\(segments[0].manifest.sequence)"])
        #expect(foreign.status != 0 && foreign.stdout == "000", "\(foreign.stdout) \(foreign.stderr)")
        let anonymous = try curl(nil, ["-I", "\(base)/v1/segments/cam1/\(segments[0].manifest.sequence)"])
        #expect(anonymous.status != 0 && anonymous.stdout == "000", "\(anonymous.stdout) \(anonymous.stderr)")

        let metrics = try Tool.run("curl", [
            "-sS", "--cacert", "\(pki)/ca.pem", "--cert", "\(pki)/site-043.pem", "--key", "\(pki)/site-043.key", "\(base)/metrics",
        ])
        #expect(metrics.stdout.contains("edge_centre_segments_stored_total 2\n"), "\(metrics.stdout)")
        #expect(metrics.stdout.contains("edge_centre_gaps_stored_total 1\n"))

        let verify = try Tool.run(Self.edgeCentre, ["verify", "\(served)/site-042", "--gateway-key", "\(f.gateways)/site-042.pub"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// A large segment through the real server, for the memory claim: the server's peak
    /// RSS must not grow with the segment. Off by default (it writes the segment twice):
    /// `EDGE_CENTRE_LARGE_MIB=512 swift test --filter largeUpload`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["EDGE_CENTRE_LARGE_MIB"] != nil && Tool.available("curl")))
    func largeUploadKeepsServerMemoryFlat() async throws {
        let mib = Int(ProcessInfo.processInfo.environment["EDGE_CENTRE_LARGE_MIB"] ?? "") ?? 512
        let f = try UploadFixture()
        let pki = "\(f.root)/pki"
        #expect(try Tool.run("\(Self.repository)/Tools/pki", [pki]).status == 0)
        let s = try f.segment(size: mib << 20)
        let file = "\(f.root)/large.mkv.age"
        try Fixtures.write(s.ciphertext, to: file)
        let server = try Server(arguments: [
            "serve", "--listen", "127.0.0.1:0", "--store", "\(f.root)/served", "--ca", "\(pki)/ca.pem",
            "--cert", "\(pki)/server.pem", "--key", "\(pki)/server.key", "--gateways", f.gateways,
        ])
        defer { server.stop() }
        let put = try Tool.run("curl", [
            "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:", "--cacert", "\(pki)/ca.pem",
            "--cert", "\(pki)/site-042.pem", "--key", "\(pki)/site-042.key", "-T", file,
            "-H", "Edge-Manifest: \(Data(s.manifest.json).base64EncodedString())",
            "-H", "Edge-Signature: \(Data(s.manifest.signature.utf8).base64EncodedString())",
            "https://127.0.0.1:\(server.port)/v1/segments/cam1/\(s.manifest.sequence)",
        ])
        #expect(put.stdout == "200", "\(put.stderr)")
        let status = String(decoding: try FileSystem.readFile("/proc/\(server.process.processIdentifier)/status"), as: UTF8.self)
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? "?"
        print("large upload: \(mib) MiB, server \(peak.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " "))")
        let peakKiB = Int(peak.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? .max
        #expect(peakKiB < 100 * 1024, "server peak RSS \(peak)")
    }
}
