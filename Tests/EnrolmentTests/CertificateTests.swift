import EdgeCrypto
import EdgeSystem
import Enrolment
import Testing
import TestSupport

/// Certificate requests made and read with libcurl's OpenSSL, certificates issued by a CA
/// the OpenSSL CLI made and checked again by `openssl verify`.
@Suite struct CertificateTests {
    @Test func aRequestMadeHereReadsBackWithItsNameAndKey() throws {
        let (request, keyPEM) = try CertificateRequest.make(commonName: "site-042")
        #expect(String(decoding: request.pem, as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
        #expect(String(decoding: keyPEM, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let read = try CertificateRequest.parse(request.pem)
        #expect(read.commonName == "site-042")
        #expect(read.publicKeyPin == request.publicKeyPin && read.publicKeyPin.hasPrefix("sha256//") && read.publicKeyPin.count == 52)
    }

    @Test(arguments: [
        ("", "not a PEM CERTIFICATE REQUEST"),
        ("hello", "not a PEM CERTIFICATE REQUEST"),
        ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "not a PEM CERTIFICATE REQUEST"),
        (String(repeating: "A", count: 9000), "at most 8192 are read"),
    ])
    func malformedRequestsAreRefusedWithWhy(_ text: String, _ why: String) {
        let error = #expect(throws: EnrolmentError.self) { try CertificateRequest.parse(Array(text.utf8)) }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains(why) == true, "\(error?.message ?? "")")
    }

    /// A request whose signed part was changed after signing (its name) no longer verifies.
    @Test func aRequestChangedAfterSigningIsRefused() throws {
        let (request, _) = try CertificateRequest.make(commonName: "site-042")
        let der = try #require(Self.der(request.pem))
        let at = try #require(Self.find(Array("site-042".utf8), in: der))
        var changed = der
        changed[at + 7] = UInt8(ascii: "3")
        let error = #expect(throws: EnrolmentError.self) { try CertificateRequest.parse(Self.pem(changed, "CERTIFICATE REQUEST")) }
        #expect(error?.message == "the certificate request's signature does not verify with its own key")
    }

    @Test(.enabled(if: Tool.available("openssl")))
    func requestsWithTheWrongKeyOrNamesAreRefused() throws {
        let dir = try Fixtures.scratchDirectory("csr")
        try Tool.run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "\(dir)/rsa.key"])
        try Tool.run("openssl", ["req", "-new", "-key", "\(dir)/rsa.key", "-subj", "/CN=site-042", "-out", "\(dir)/rsa.csr"])
        try Tool.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", "\(dir)/k1.key"])
        try Tool.run("openssl", ["req", "-new", "-key", "\(dir)/k1.key", "-subj", "/CN=site-042", "-out", "\(dir)/k1.csr"])
        try Tool.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(dir)/ec.key"])
        try Tool.run("openssl", ["req", "-new", "-key", "\(dir)/ec.key", "-subj", "/O=Police/CN=site-042", "-out", "\(dir)/two.csr"])
        try Tool.run("openssl", ["req", "-new", "-key", "\(dir)/ec.key", "-subj", "/O=Police", "-out", "\(dir)/nocn.csr"])
        try Tool.run("openssl", ["req", "-new", "-key", "\(dir)/ec.key", "-subj", "/CN=site 042", "-out", "\(dir)/space.csr"])
        for (file, why) in [
            ("rsa.csr", "the certificate request's key is not EC P-256"),
            ("k1.csr", "the certificate request's key is not EC P-256"),
            ("two.csr", "must hold exactly one entry, the common name"),
            ("nocn.csr", "has no common name"),
            ("space.csr", "must be printable ASCII without spaces"),
        ] {
            let error = #expect(throws: EnrolmentError.self) { try CertificateRequest.parse(FileSystem.readFile("\(dir)/\(file)", limit: 8192)) }
            #expect(error?.message.contains(why) == true, "\(file): \(error?.message ?? "")")
        }
    }

    @Test(.enabled(if: Tool.available("openssl")))
    func theCAIssuesAClientCertificateOpenSSLVerifies() throws {
        let dir = try Fixtures.scratchDirectory("ca")
        try Self.makeCA(dir, "ca")
        let authority = try CertificateAuthority(certificateFile: "\(dir)/ca.pem", keyFile: "\(dir)/ca.key")
        let (request, _) = try CertificateRequest.make(commonName: "site-042")
        let now = SystemTime().wallNow().nanosecondsSinceEpoch / 1_000_000_000  // the CA was made just now
        let pem = try authority.issue(request, now: now, days: 397)
        try Fixtures.write(pem, to: "\(dir)/site-042.pem")
        let verify = try Tool.run("openssl", ["verify", "-CAfile", "\(dir)/ca.pem", "-purpose", "sslclient", "-attime", "\(now + 86_400)", "\(dir)/site-042.pem"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let text = try Tool.run("openssl", ["x509", "-in", "\(dir)/site-042.pem", "-noout", "-subject", "-ext", "basicConstraints,keyUsage,extendedKeyUsage"]).stdout
        #expect(text.contains("subject=CN = site-042"), "\(text)")
        #expect(text.contains("CA:FALSE") && text.contains("Digital Signature") && text.contains("TLS Web Client Authentication"), "\(text)")
        #expect(!text.contains("Server Authentication"))
        let facts = try CertificateFacts.read(pem)
        #expect(facts.commonName == "site-042" && facts.publicKeyPin == request.publicKeyPin)
        #expect(facts.notAfter == now + 397 * 86_400)
        #expect(facts.fingerprint == SHA256.hash(try #require(Self.der(pem))))
        // Two certificates never share a serial.
        let second = try authority.issue(request, now: now, days: 397)
        try Fixtures.write(second, to: "\(dir)/second.pem")
        let serials = try ["site-042.pem", "second.pem"].map { try Tool.run("openssl", ["x509", "-in", "\(dir)/\($0)", "-noout", "-serial"]).stdout }
        #expect(serials[0] != serials[1])
    }

    @Test(.enabled(if: Tool.available("openssl")))
    func aCAKeyThatIsNotTheCertificatesIsRefusedAtOnce() throws {
        let dir = try Fixtures.scratchDirectory("ca-mismatch")
        try Self.makeCA(dir, "ca")
        try Self.makeCA(dir, "other")
        let error = #expect(throws: EnrolmentError.self) {
            try CertificateAuthority(certificateFile: "\(dir)/ca.pem", keyFile: "\(dir)/other.key")
        }
        #expect(error?.message == "the CA key does not belong to the CA certificate: give the key the CA was made with")
        let missing = #expect(throws: EnrolmentError.self) {
            try CertificateAuthority(certificateFile: "\(dir)/ca.pem", keyFile: "\(dir)/absent.key")
        }
        #expect(missing?.code == .storage)
    }

    @Test(.enabled(if: Tool.available("openssl")))
    func validityOutsideTheRangeIsRefused() throws {
        let dir = try Fixtures.scratchDirectory("ca-days")
        try Self.makeCA(dir, "ca")
        let authority = try CertificateAuthority(certificateFile: "\(dir)/ca.pem", keyFile: "\(dir)/ca.key")
        let (request, _) = try CertificateRequest.make(commonName: "site-042")
        for days in [0, 826, Int.max] {
            #expect(throws: EnrolmentError.self) { try authority.issue(request, now: 1_796_000_000, days: days) }
        }
        #expect(throws: EnrolmentError.self) { try authority.issue(request, now: .max - 10, days: 1) }
    }

    @Test(.enabled(if: Tool.available("openssl")))
    func noCertificateOutlivesItsCA() throws {
        let dir = try Fixtures.scratchDirectory("ca-end")
        try Self.makeCA(dir, "ca", days: 30)
        let authority = try CertificateAuthority(certificateFile: "\(dir)/ca.pem", keyFile: "\(dir)/ca.key")
        let caEnd = try CertificateFacts.read(FileSystem.readFile("\(dir)/ca.pem")).notAfter
        let (request, _) = try CertificateRequest.make(commonName: "site-042")
        let now = SystemTime().wallNow().nanosecondsSinceEpoch / 1_000_000_000
        let pem = try authority.issue(request, now: now, days: 397)
        #expect(try CertificateFacts.read(pem).notAfter == caEnd)
        let expired = #expect(throws: EnrolmentError.self) { try authority.issue(request, now: caEnd + 1, days: 397) }
        #expect(expired?.message.contains("the gateway CA expired") == true, "\(expired?.message ?? "")")
    }

    static func makeCA(_ dir: String, _ name: String, days: Int = 3650) throws {
        try Tool.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(dir)/\(name).key"])
        let made = try Tool.run("openssl", [
            "req", "-x509", "-new", "-key", "\(dir)/\(name).key", "-subj", "/CN=\(name) CA", "-days", "\(days)", "-out", "\(dir)/\(name).pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        guard made.status == 0 else { throw OpenSSLFailed(text: made.stderr) }
    }

    static func der(_ pem: [UInt8]) -> [UInt8]? {
        let lines = String(decoding: pem, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("-----") }
        return Base64.decode(Array(lines.joined().utf8), padded: true)
    }

    static func pem(_ der: [UInt8], _ label: String) -> [UInt8] {
        let text = Base64.encode(der, padded: true)
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        return Array("-----BEGIN \(label)-----\n\(lines.joined(separator: "\n"))\n-----END \(label)-----\n".utf8)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}

struct OpenSSLFailed: Error, CustomStringConvertible {
    var text: String
    var description: String { "openssl failed: \(text)" }
}
