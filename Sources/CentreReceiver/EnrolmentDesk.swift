import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import Enrolment

/// Enrolment at the centre (PROTOCOL.md, "Enrolment"): a gateway that holds a one-time
/// token gets its client certificate signed by the gateway CA and its device key
/// registered, with nothing copied by hand.
public struct EnrolmentDesk: Sendable {
    public let tokens: EnrolmentTokens
    public let keys: GatewayKeys
    public let authority: CertificateAuthority
    /// What the gateway is told to trust for the centre's server certificate.
    public let serverCA: [UInt8]
    public let certificateDays: Int
    let time: any TimeSource
    let log: @Sendable (String) -> Void

    public init(
        tokens: EnrolmentTokens, keys: GatewayKeys, authority: CertificateAuthority, serverCA: [UInt8], certificateDays: Int = 397,
        time: any TimeSource = SystemTime(), log: @escaping @Sendable (String) -> Void
    ) {
        self.tokens = tokens
        self.keys = keys
        self.authority = authority
        self.serverCA = serverCA
        self.certificateDays = certificateDays
        self.time = time
        self.log = log
    }

    /// What can be checked before the body is read: the id, the token, a revocation.
    public func admit(_ gateway: String, token: String?) throws(EnrolmentError) {
        guard PlainName.isLowerCaseID(gateway, max: 64) else {
            throw EnrolmentError(.malformed, "gateway id \(LogField.quoted(String(gateway.prefix(80)))) must be 1–64 of a-z, 0-9, '-' and '_'")
        }
        guard let token, !token.isEmpty else {
            throw EnrolmentError(.unknownToken, "no enrolment token: send Authorization: Bearer <token> (edge-centre enrol issue-token)")
        }
        if FileSystem.exists(keys.revocationPath(gateway)) {
            throw EnrolmentError(
                .unknownToken, "gateway \(gateway) is revoked: `edge-centre gateways restore \(gateway)` first if the box is back in service")
        }
        try tokens.check(token, for: gateway, now: time.wallNow())
    }

    /// Enrols `gateway`: the request's CN must be the gateway id and its device key a
    /// minisign key; a gateway registered with another key is refused (a replaced box
    /// needs its old key removed at the centre first). The token is used up before the
    /// key is registered and the certificate issued.
    public func enrol(_ gateway: String, token: String?, body: [UInt8]) throws(EnrolmentError) -> EnrolmentAnswer {
        try admit(gateway, token: token)
        let request = try EnrolmentRequest.parse(body)
        guard request.csr.commonName == gateway else {
            throw EnrolmentError(.malformed, "the certificate request is for \(LogField.quoted(request.csr.commonName)), not \(gateway)")
        }
        let deviceKey: MinisignPublicKey
        do { deviceKey = try MinisignPublicKey(parsing: request.deviceKey) } catch {
            throw EnrolmentError(.malformed, "deviceKey is not a minisign public key (edgectl keys show prints it): \(error)")
        }
        let path = keys.keyPath(gateway)
        if FileSystem.exists(path) {
            // The whole key, not its id: a key id is eight bytes anyone can copy.
            let registered = try? keys.storedKey(gateway)
            guard registered == deviceKey else {
                throw EnrolmentError(
                    .alreadyRegistered,
                    "gateway \(gateway) is registered with another device key (\(registered?.keyIDHex ?? "unreadable")); "
                        + "if the box was replaced, move \(path) aside at the centre and issue a new token")
            }
        }
        let now = time.wallNow()
        // Signed before the token is used up: a failure here leaves the token usable.
        let certificate = try authority.issue(request.csr, now: now.nanosecondsSinceEpoch / 1_000_000_000, days: certificateDays)
        // Claimed atomically: of two requests with one token, one gets this far. The key
        // written is the parsed one, nothing else the request carried.
        try tokens.redeem(token ?? "", for: gateway, now: now)
        do { try keys.register(gateway, key: deviceKey) } catch {
            throw EnrolmentError(.storage, "cannot register \(gateway) in \(path): \(error)", cause: error)
        }
        // The fingerprints the technician reads back: `edgectl enrol` prints the same.
        let fingerprint = (try? CertificateFacts.read(certificate)).map { Hex.encode($0.fingerprint).prefix(32) } ?? "?"
        log("event=enrolled gateway=\(gateway) device_key=\(deviceKey.keyIDHex) certificate=\(fingerprint) tls_key=\(request.csr.publicKeyPin)")
        return EnrolmentAnswer(certificate: certificate, ca: serverCA)
    }

    /// A new certificate for a gateway its current one authenticated (registered and not
    /// revoked: the caller checked), for a fresh key and the same name.
    public func renew(_ gateway: String, body: [UInt8]) throws(EnrolmentError) -> EnrolmentAnswer {
        let request = try RenewalRequest.parse(body)
        guard request.csr.commonName == gateway else {
            throw EnrolmentError(.malformed, "the certificate request is for \(LogField.quoted(request.csr.commonName)), not \(gateway)")
        }
        let certificate = try authority.issue(request.csr, now: time.wallNow().nanosecondsSinceEpoch / 1_000_000_000, days: certificateDays)
        log("event=reenrolled gateway=\(gateway) tls_key=\(request.csr.publicKeyPin)")
        return EnrolmentAnswer(certificate: certificate, ca: serverCA)
    }
}
