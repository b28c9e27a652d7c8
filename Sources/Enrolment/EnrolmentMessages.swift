import EdgeJSON
import EdgeSystem

/// `PUT /v1/enrolment/{gateway}` (Sources/Uplink/PROTOCOL.md, "Enrolment"): the body a
/// gateway sends with `Authorization: Bearer <token>`.
public struct EnrolmentRequest: Sendable, Equatable {
    /// The TLS key's certificate request, CN = the gateway id.
    public var csr: CertificateRequest
    /// The device key's public half as `edgectl keys show` prints it (minisign format).
    public var deviceKey: String

    /// The most a request body may take.
    public static let maxBytes = 16 * 1024

    public init(csr: CertificateRequest, deviceKey: String) {
        self.csr = csr
        self.deviceKey = deviceKey
    }

    public var json: [UInt8] {
        CanonicalJSON.encode(.object([("csr", .string(String(decoding: csr.pem, as: UTF8.self))), ("deviceKey", .string(deviceKey))]))
    }

    public static func parse(_ body: [UInt8]) throws(EnrolmentError) -> EnrolmentRequest {
        guard body.count <= maxBytes else { throw EnrolmentError(.malformed, "the request is \(body.count) bytes; at most \(maxBytes)") }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw EnrolmentError(.malformed, "the request is not JSON: \(error)") }
        guard case .object(let fields) = value else { throw EnrolmentError(.malformed, "the request must be a JSON object") }
        if let extra = fields.first(where: { !["csr", "deviceKey"].contains($0.key) }) {
            throw EnrolmentError(.malformed, "unknown field \(LogField.quoted(String(extra.key.prefix(40)))): the request has csr and deviceKey")
        }
        guard case .string(let csr)? = value["csr"] else { throw EnrolmentError(.malformed, "csr is missing or not a string") }
        guard case .string(let key)? = value["deviceKey"], key.utf8.count <= 1024 else {
            throw EnrolmentError(.malformed, "deviceKey is missing, not a string or longer than 1024 bytes")
        }
        return EnrolmentRequest(csr: try CertificateRequest.parse(Array(csr.utf8)), deviceKey: key)
    }
}

/// The centre's answer to an enrolment: the gateway's certificate and the CA that issued
/// it (which also issues the centre's own server certificate in a single-CA setup; the
/// gateway trusts it for its destination from then on).
public struct EnrolmentAnswer: Sendable, Equatable {
    public var certificate: [UInt8]
    public var ca: [UInt8]

    public static let maxBytes = 64 * 1024

    public init(certificate: [UInt8], ca: [UInt8]) {
        self.certificate = certificate
        self.ca = ca
    }

    public var json: [UInt8] {
        CanonicalJSON.encode(
            .object([
                ("ca", .string(String(decoding: ca, as: UTF8.self))),
                ("certificate", .string(String(decoding: certificate, as: UTF8.self))),
            ]))
    }

    public static func parse(_ body: [UInt8]) throws(EnrolmentError) -> EnrolmentAnswer {
        guard body.count <= maxBytes else { throw EnrolmentError(.malformed, "the centre's answer is over \(maxBytes) bytes") }
        guard let value = try? JSONParser.parse(body), case .string(let cert)? = value["certificate"],
            case .string(let ca)? = value["ca"]
        else { throw EnrolmentError(.malformed, "the centre's answer has no certificate and ca") }
        return EnrolmentAnswer(certificate: Array(cert.utf8), ca: Array(ca.utf8))
    }
}

/// `PUT /v1/reenrolment` over the gateway's mutual TLS: a request for a fresh key, for
/// the name its current certificate carries.
public struct RenewalRequest: Sendable, Equatable {
    public var csr: CertificateRequest

    public init(csr: CertificateRequest) {
        self.csr = csr
    }

    public var json: [UInt8] { CanonicalJSON.encode(.object([("csr", .string(String(decoding: csr.pem, as: UTF8.self)))])) }

    public static func parse(_ body: [UInt8]) throws(EnrolmentError) -> RenewalRequest {
        guard body.count <= EnrolmentRequest.maxBytes else {
            throw EnrolmentError(.malformed, "the request is \(body.count) bytes; at most \(EnrolmentRequest.maxBytes)")
        }
        guard let value = try? JSONParser.parse(body), case .object(let fields) = value, fields.count == 1,
            case .string(let csr)? = value["csr"]
        else { throw EnrolmentError(.malformed, #"the request must be {"csr": "<PEM CERTIFICATE REQUEST>"}"#) }
        return RenewalRequest(csr: try CertificateRequest.parse(Array(csr.utf8)))
    }
}
