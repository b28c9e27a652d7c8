#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import EdgeCrypto
import EdgeSystem

/// PEM through libcrypto's memory BIOs.
enum PEMBuffer {
    /// Runs `read` on a BIO over `bytes`; the BIO lives only as long as the call.
    static func reading<T>(_ bytes: [UInt8], _ read: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBytes { raw -> T? in
            guard let base = raw.baseAddress, let bio = BIO_new_mem_buf(base, Int32(clamping: raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
    }

    /// What `write` put into a fresh memory BIO.
    static func writing(_ call: String, _ write: (OpaquePointer) -> Int32) throws(EnrolmentError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw crypto("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw crypto(call) }
        var data: UnsafeMutablePointer<CChar>?
        let count = edge_bio_contents(bio, &data)
        guard count > 0, let data else { throw crypto(call) }
        return data.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    static func crypto(_ call: String) -> EnrolmentError {
        let error = OpenSSLError(call)
        return EnrolmentError(.crypto, error.message, cause: error)
    }
}

/// A certificate signing request (PKCS #10) as the centre reads it: its signature checked
/// with its own key, exactly one common name, an EC P-256 key. What `edgectl enrol` sends
/// (RFC 7030's simpleenroll carries the same request).
public struct CertificateRequest: Sendable, Equatable {
    public let pem: [UInt8]
    public let commonName: String
    /// The key's SHA-256 over its SubjectPublicKeyInfo, as curl pins keys: `sha256//…`.
    public let publicKeyPin: String

    /// The most a request may take (a P-256 request is under 600 bytes).
    public static let maxBytes = 8 * 1024

    /// A fresh EC P-256 key (PEM, PKCS #8) and a request for it with CN = `commonName`.
    public static func make(commonName: String) throws(EnrolmentError) -> (request: CertificateRequest, keyPEM: [UInt8]) {
        guard let key = edge_ec_p256_keygen() else { throw PEMBuffer.crypto("EVP_PKEY_Q_keygen(EC P-256)") }
        defer { EVP_PKEY_free(key) }
        guard let request = X509_REQ_new() else { throw PEMBuffer.crypto("X509_REQ_new") }
        defer { X509_REQ_free(request) }
        guard X509_REQ_set_version(request, 0) == 1,
            X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request), "CN", MBSTRING_UTF8, Array(commonName.utf8), Int32(commonName.utf8.count), -1, 0) == 1,
            X509_REQ_set_pubkey(request, key) == 1
        else { throw PEMBuffer.crypto("X509_REQ (subject, key)") }
        guard X509_REQ_sign(request, key, EVP_sha256()) > 0 else { throw PEMBuffer.crypto("X509_REQ_sign") }
        let pem = try PEMBuffer.writing("PEM_write_bio_X509_REQ") { PEM_write_bio_X509_REQ($0, request) }
        let keyPEM = try PEMBuffer.writing("PEM_write_bio_PrivateKey") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return (CertificateRequest(pem: pem, commonName: commonName, publicKeyPin: try X509Key.pin(key)), keyPEM)
    }

    /// Reads and checks a request from outside.
    public static func parse(_ pem: [UInt8]) throws(EnrolmentError) -> CertificateRequest {
        guard pem.count <= maxBytes else {
            throw EnrolmentError(.malformed, "the certificate request is \(pem.count) bytes; at most \(maxBytes) are read")
        }
        guard let request = PEMBuffer.reading(pem, { PEM_read_bio_X509_REQ($0, nil, nil, nil) }) else {
            OpenSSLError.clear()
            throw EnrolmentError(.malformed, "the certificate request is not a PEM CERTIFICATE REQUEST")
        }
        defer { X509_REQ_free(request) }
        guard let key = X509_REQ_get_pubkey(request) else {
            OpenSSLError.clear()
            throw EnrolmentError(.malformed, "the certificate request holds no usable public key")
        }
        defer { EVP_PKEY_free(key) }
        var group = [CChar](repeating: 0, count: 64)
        var groupLength = 0
        guard EVP_PKEY_is_a(key, "EC") == 1, EVP_PKEY_get_group_name(key, &group, group.count, &groupLength) == 1,
            String(decoding: group.prefix(max(0, min(groupLength, group.count))).map { UInt8(bitPattern: $0) }, as: UTF8.self) == "prime256v1"
        else {
            throw EnrolmentError(.malformed, "the certificate request's key is not EC P-256 (what `edgectl enrol` makes)")
        }
        guard X509_REQ_verify(request, key) == 1 else {
            OpenSSLError.clear()
            throw EnrolmentError(.malformed, "the certificate request's signature does not verify with its own key")
        }
        let name = try X509Name.commonName(X509_REQ_get_subject_name(request), what: "the certificate request's subject")
        return CertificateRequest(pem: pem, commonName: name, publicKeyPin: try X509Key.pin(key))
    }

    /// The request's public key (the caller frees it).
    func publicKey() throws(EnrolmentError) -> OpaquePointer {
        guard let request = PEMBuffer.reading(pem, { PEM_read_bio_X509_REQ($0, nil, nil, nil) }) else {
            throw PEMBuffer.crypto("PEM_read_bio_X509_REQ")
        }
        defer { X509_REQ_free(request) }
        guard let key = X509_REQ_get_pubkey(request) else { throw PEMBuffer.crypto("X509_REQ_get_pubkey") }
        return key
    }
}

enum X509Name {
    /// The one common name of a subject: printable, 1–64 bytes, nothing else alongside
    /// (`alone`: what a request must be); otherwise the first CN, "" when there is none.
    static func commonName(_ name: OpaquePointer?, what: String, alone: Bool = true) throws(EnrolmentError) -> String {
        if !alone {
            guard let name else { return "" }
            let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
            guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry),
                let bytes = ASN1_STRING_get0_data(data)
            else { return "" }
            let count = min(Int(ASN1_STRING_length(data)), 256)
            return String(decoding: UnsafeBufferPointer(start: bytes, count: max(0, count)), as: UTF8.self)
        }
        guard let name, X509_NAME_entry_count(name) == 1 else {
            throw EnrolmentError(.malformed, "\(what) must hold exactly one entry, the common name (CN = the gateway id)")
        }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
            throw EnrolmentError(.malformed, "\(what) has no common name (CN = the gateway id)")
        }
        let count = Int(ASN1_STRING_length(data))
        guard count > 0, count <= 64, let bytes = ASN1_STRING_get0_data(data) else {
            throw EnrolmentError(.malformed, "\(what)'s common name must be 1 to 64 bytes")
        }
        let text = Array(UnsafeBufferPointer(start: bytes, count: count))
        guard text.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else {
            throw EnrolmentError(.malformed, "\(what)'s common name must be printable ASCII without spaces")
        }
        return String(decoding: text, as: UTF8.self)
    }
}

enum X509Key {
    /// `sha256//` and the base64 of the SHA-256 of the key's SubjectPublicKeyInfo (DER).
    static func pin(_ key: OpaquePointer) throws(EnrolmentError) -> String {
        var out: UnsafeMutablePointer<UInt8>?
        let count = i2d_PUBKEY(key, &out)
        guard count > 0, let out else { throw PEMBuffer.crypto("i2d_PUBKEY") }
        defer { edge_openssl_free(out) }
        let digest = SHA256.hash(Array(UnsafeBufferPointer(start: out, count: Int(count))))
        return "sha256//" + Base64.encode(digest, padded: true)
    }
}

/// What a gateway or a technician reads off a certificate.
public struct CertificateFacts: Sendable, Equatable {
    /// The subject's (first) common name; "" when it has none.
    public var commonName: String
    /// SHA-256 of the DER certificate.
    public var fingerprint: [UInt8]
    public var publicKeyPin: String
    /// Seconds since 1970 (UTC).
    public var notAfter: Int64

    /// Whether `pem` starts with a certificate libcrypto can read (a CA, whatever its name).
    public static func checkCertificate(_ pem: [UInt8], what: String) throws(EnrolmentError) {
        guard let cert = PEMBuffer.reading(pem, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            OpenSSLError.clear()
            throw EnrolmentError(.malformed, "\(what) is not a PEM CERTIFICATE")
        }
        X509_free(cert)
    }

    /// The first certificate of a PEM file's text.
    public static func read(_ pem: [UInt8]) throws(EnrolmentError) -> CertificateFacts {
        guard let cert = PEMBuffer.reading(pem, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            OpenSSLError.clear()
            throw EnrolmentError(.malformed, "not a PEM CERTIFICATE")
        }
        defer { X509_free(cert) }
        return try read(cert)
    }

    static func read(_ cert: OpaquePointer) throws(EnrolmentError) -> CertificateFacts {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard X509_digest(cert, EVP_sha256(), &digest, &length) == 1, length == 32 else { throw PEMBuffer.crypto("X509_digest") }
        guard let key = X509_get0_pubkey(cert) else { throw PEMBuffer.crypto("X509_get0_pubkey") }
        let name = try X509Name.commonName(X509_get_subject_name(cert), what: "the certificate's subject", alone: false)
        return CertificateFacts(commonName: name, fingerprint: digest, publicKeyPin: try X509Key.pin(key), notAfter: try notAfter(cert))
    }

    /// The end of a certificate's validity, in seconds since 1970 (UTC).
    static func notAfter(_ cert: OpaquePointer) throws(EnrolmentError) -> Int64 {
        var parts = tm()
        guard let notAfter = X509_get0_notAfter(cert), ASN1_TIME_to_tm(notAfter, &parts) == 1 else {
            throw PEMBuffer.crypto("ASN1_TIME_to_tm")
        }
        return Int64(timegm(&parts))
    }
}

/// The centre's CA for gateway client certificates (the one `edge-centre serve --ca`
/// trusts): it signs what an enrolment asks for, with only the gateway id as subject.
public final class CertificateAuthority: @unchecked Sendable {
    private let certificate: OpaquePointer
    private let key: OpaquePointer
    /// The CA certificate, as gateways are given it.
    public let certificatePEM: [UInt8]

    public init(certificatePEM: [UInt8], keyPEM: [UInt8]) throws(EnrolmentError) {
        guard let certificate = PEMBuffer.reading(certificatePEM, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            throw PEMBuffer.crypto("PEM_read_bio_X509 (the CA certificate)")
        }
        guard let key = PEMBuffer.reading(keyPEM, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            X509_free(certificate)
            throw PEMBuffer.crypto("PEM_read_bio_PrivateKey (the CA key)")
        }
        guard X509_check_private_key(certificate, key) == 1 else {
            X509_free(certificate)
            EVP_PKEY_free(key)
            OpenSSLError.clear()
            throw EnrolmentError(.crypto, "the CA key does not belong to the CA certificate: give the key the CA was made with")
        }
        self.certificate = certificate
        self.key = key
        self.certificatePEM = certificatePEM
    }

    public convenience init(certificateFile: String, keyFile: String) throws(EnrolmentError) {
        let cert: [UInt8]
        let key: [UInt8]
        do {
            cert = try FileSystem.readFile(certificateFile, limit: 64 * 1024)
            key = try FileSystem.readFile(keyFile, limit: 64 * 1024)
        } catch { throw EnrolmentError(.storage, "cannot read the CA: \(error)", cause: error) }
        try self.init(certificatePEM: cert, keyPEM: key)
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// A client certificate for `request`'s key: subject CN = its common name, valid from
    /// 5 minutes before `now` (clocks differ) for `days` but never past the CA's own end
    /// (a chain is only as valid as its CA), a random 128-bit serial, for client
    /// authentication only.
    public func issue(_ request: CertificateRequest, now: Int64, days: Int) throws(EnrolmentError) -> [UInt8] {
        guard (1...825).contains(days) else { throw EnrolmentError(.malformed, "\(days) days: a certificate lasts 1 to 825 days") }
        let (end, overflow) = now.addingReportingOverflow(Int64(days) * 86_400)
        let caEnd = try CertificateFacts.notAfter(certificate)
        guard caEnd > now else {
            throw EnrolmentError(.crypto, "the gateway CA expired at \(caEnd) s after 1970: make a new CA and give gateways its certificate")
        }
        guard now > 300, !overflow, let start = time_t(exactly: now - 300), let until = time_t(exactly: min(end, caEnd)) else {
            throw EnrolmentError(.malformed, "the validity from \(now) for \(days) days does not fit a certificate")
        }
        let publicKey = try request.publicKey()
        defer { EVP_PKEY_free(publicKey) }
        guard let cert = X509_new() else { throw PEMBuffer.crypto("X509_new") }
        defer { X509_free(cert) }
        var serial: [UInt8]
        do { serial = try secureRandom(16) } catch { throw EnrolmentError(.crypto, error.message, cause: error) }
        serial[0] &= 0x7F  // positive
        serial[0] |= 0x01  // and no leading zero byte
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { throw PEMBuffer.crypto("BN_bin2bn") }
        defer { BN_free(number) }
        guard let subject = X509_NAME_new() else { throw PEMBuffer.crypto("X509_NAME_new") }
        defer { X509_NAME_free(subject) }
        guard X509_set_version(cert, 2) == 1,
            BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nil,
            X509_set_issuer_name(cert, X509_get_subject_name(certificate)) == 1,
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, Array(request.commonName.utf8), Int32(request.commonName.utf8.count), -1, 0) == 1,
            X509_set_subject_name(cert, subject) == 1,
            X509_set_pubkey(cert, publicKey) == 1,
            ASN1_TIME_set(X509_getm_notBefore(cert), start) != nil,
            ASN1_TIME_set(X509_getm_notAfter(cert), until) != nil
        else { throw PEMBuffer.crypto("X509 (serial, names, key, validity)") }
        let extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"), (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "clientAuth"), (NID_subject_key_identifier, "hash"), (NID_authority_key_identifier, "keyid"),
        ]
        for (nid, value) in extensions where edge_x509_add_extension(cert, certificate, nid, value) != 1 {
            throw PEMBuffer.crypto("X509V3_EXT_conf_nid(\(value))")
        }
        guard X509_sign(cert, key, EVP_sha256()) > 0 else { throw PEMBuffer.crypto("X509_sign") }
        return try PEMBuffer.writing("PEM_write_bio_X509") { PEM_write_bio_X509($0, cert) }
    }
}
