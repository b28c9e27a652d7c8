import DeviceIdentity
import EdgeSystem

/// What a release is checked against: the keys trusted to sign releases and, on a
/// gateway, what it is and has installed. A field left nil is not checked (the centre's
/// `release verify` knows no installed version); on a gateway none is nil.
public struct ReleaseTrust: Sendable {
    public var keys: [MinisignPublicKey]
    public var board: String?
    public var installedSecurityVersion: UInt64?
    /// The state directory's format, which the release must read.
    public var stateFormat: Int?
    /// Now, for the expiry check.
    public var now: WallTime?

    public init(
        keys: [MinisignPublicKey], board: String? = nil, installedSecurityVersion: UInt64? = nil,
        stateFormat: Int? = nil, now: WallTime? = nil
    ) {
        self.keys = keys
        self.board = board
        self.installedSecurityVersion = installedSecurityVersion
        self.stateFormat = stateFormat
        self.now = now
    }

    /// The release key that made `signature`, checked strictly (minisign's rules and the
    /// prehashed `ED` algorithm only).
    func check(signature text: [UInt8], of manifest: [UInt8], name: String = "release.json.minisig", what: String = "releases", thing: String = "the release") throws(ReleaseError) {
        let signature: MinisignSignature
        do { signature = try MinisignSignature(parsing: String(decoding: text, as: UTF8.self)) } catch {
            throw ReleaseError(.signature, "\(name): \(error.message)")
        }
        guard signature.algorithm == .prehashed else {
            throw ReleaseError(.signature, "\(name) uses minisign's legacy Ed algorithm; \(what) are signed prehashed (ED)")
        }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            let trusted = keys.map(\.keyIDHex).joined(separator: ", ")
            throw ReleaseError(
                .signature,
                "signed by release key \(MinisignPublicKey.hex(keyID: signature.keyID)), which is not trusted here "
                    + "(trusted: \(trusted.isEmpty ? "none" : trusted)); a new key is trusted only once a release signed by the current one names it")
        }
        switch MinisignVerifier.verify(message: manifest, signature: signature, publicKey: key) {
        case .valid: return
        case .rejected(let check):
            throw ReleaseError(.signature, "the signature by release key \(key.keyIDHex) does not verify (\(check)): \(thing) was changed or damaged")
        }
    }

    /// Board, expiry, security version and state format, in that order.
    func check(_ manifest: ReleaseManifest) throws(ReleaseError) {
        if let board, manifest.board != board {
            throw ReleaseError(.wrongBoard, "release \(manifest.version) is for board \"\(manifest.board)\"; this is \"\(board)\"")
        }
        if let now, now >= manifest.expires {
            throw ReleaseError(
                .expired,
                "release \(manifest.version) expired at \(manifest.expires.rfc3339Seconds) (now \(now.rfc3339Seconds)); ask the centre for a freshly signed release")
        }
        if let installed = installedSecurityVersion, manifest.securityVersion < installed {
            throw ReleaseError(
                .downgrade,
                "release \(manifest.version) has security version \(manifest.securityVersion), below the installed \(installed): downgrades are refused")
        }
        if let stateFormat, !manifest.stateFormats.contains(stateFormat) {
            throw ReleaseError(
                .stateFormat,
                "release \(manifest.version) reads state formats \(manifest.stateFormats), and this gateway's state is format \(stateFormat)")
        }
    }
}
