import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Enrolment
import Uplink

/// One request to the centre's certificate endpoints (enrolment and renewal alike) and
/// the checks on its answer: a 200, a certificate for `request`'s key and name, a CA.
enum CertificateExchange {
    static func send(
        _ what: String, to base: String, path: String, tls: UplinkTLS, headers: [(String, String)] = [], body: [UInt8],
        for request: CertificateRequest, tlsHint: String
    ) throws(EnrolmentError) -> (answer: EnrolmentAnswer, facts: CertificateFacts) {
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
        let response: TransportResponse
        do {
            let transport = try CurlTransport(tls: tls, connectSeconds: 30, stallSeconds: 30)
            response = try transport.put(
                url, headers: headers + [("Content-Type", "application/json")], body: .bytes(body), control: TransferControl())
        } catch {
            let hint = error.code == .tls ? tlsHint : " (check the address, the route and the firewall)"
            throw EnrolmentError(.transport, "cannot reach the centre at \(url): \(error.message)\(hint)", cause: error)
        }
        guard response.status == 200 else {
            let why = (try? JSONParser.parse(response.body))?["error"]?.textValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw EnrolmentError(.refused, "the centre refused the \(what) (\(response.status)): \(why)")
        }
        let answer = try EnrolmentAnswer.parse(response.body)
        let facts = try CertificateFacts.read(answer.certificate)
        guard facts.commonName == request.commonName, facts.publicKeyPin == request.publicKeyPin else {
            throw EnrolmentError(.refused, "the centre's certificate is not for this gateway's new key (CN \(facts.commonName)): nothing written")
        }
        try CertificateFacts.checkCertificate(answer.ca, what: "the centre's CA")
        return (answer, facts)
    }

    /// A fingerprint as a technician reads it back: the first 16 bytes, in groups of four.
    /// Writes the answer's CA and certificate and the new key over `files` (CA,
    /// certificate, key: `DestinationConfiguration.credentialFiles`) as one set, so a
    /// power cut never leaves a key beside another key's certificate.
    static func install(_ answer: EnrolmentAnswer, key: [UInt8], files: [String]) throws(SystemError) {
        precondition(files.count == 3, "credential files: the CA, the certificate, the key")
        let contents = [(answer.ca, mode_t(0o644)), (answer.certificate, mode_t(0o644)), (key, mode_t(0o600))]
        try FileSet.replace(zip(files, contents).map { FileSet.File(path: $0, bytes: $1.0, mode: $1.1) })
    }

    static func fingerprint(_ facts: CertificateFacts) -> String {
        let hex = Array(Hex.encode(facts.fingerprint).prefix(32))
        return stride(from: 0, to: hex.count, by: 4).map { String(hex[$0..<min($0 + 4, hex.count)]) }.joined(separator: " ")
    }

    /// `2028-01-07`.
    static func day(_ seconds: Int64) -> String {
        String(WallTime(seconds: seconds, nanoseconds: 0).map(\.rfc3339Seconds)?.prefix(10) ?? "?")
    }
}
