import EdgeCrypto
import EdgeSystem

/// The gateway's Ed25519 device key, which signs every segment manifest.
///
/// It lives in the state directory as `device-key.pem` (PKCS#8, so `openssl pkey` can read
/// it), mode 0600. It is made on first start and never replaced: the centre pins the public
/// key, and a new key would orphan the manifest chain.
///
/// Signatures use minisign's prehashed `ED` algorithm (Ed25519 over BLAKE2b-512 of the
/// message), not the legacy `Ed`. Manifests are small, so pure Ed25519 would work too, but
/// `ED` is what `minisign -S` writes today and what `minisign -V -H` insists on; using it
/// means one format for manifests and update bundles, and a verifier that can stream
/// large files instead of holding them in memory.
///
/// The centre's offline release key (`edge-centre release keygen`) is the same kind of
/// key in the same file format, made and read through `create(keyFile:)` and
/// `load(keyFile:)`; only its role in signatures' untrusted comment differs.
public final class DeviceKey {
    public static let fileName = "device-key.pem"

    private let key: Ed25519Key
    public let publicKey: MinisignPublicKey
    /// Whether this start created the key (the first start of the gateway).
    public let wasCreated: Bool
    /// What signs, in each signature's untrusted comment ("device key", "release key").
    public let role: String

    /// Loads the key from `stateDirectory`, creating it first if there is none.
    public static func loadOrCreate(stateDirectory: String) throws(DeviceIdentityError) -> DeviceKey {
        let path = "\(stateDirectory)/\(fileName)"
        if FileSystem.exists(path) { return try load(path: path, created: false) }
        try create(path: path, directory: stateDirectory)
        return try load(path: path, created: true)
    }

    /// Loads an existing key; never creates one (for `edgectl keys show`).
    public static func load(stateDirectory: String) throws(DeviceIdentityError) -> DeviceKey {
        try load(path: "\(stateDirectory)/\(fileName)", created: false)
    }

    /// Loads a key kept outside a state directory (the centre's release key).
    public static func load(keyFile path: String, role: String) throws(DeviceIdentityError) -> DeviceKey {
        try load(path: path, created: false, role: role)
    }

    /// Makes a new key at `path` (mode 0600); an existing file is never replaced.
    public static func create(keyFile path: String, role: String) throws(DeviceIdentityError) -> DeviceKey {
        if FileSystem.exists(path) {
            throw DeviceIdentityError(.storage, "\(path) exists; it was left as it is — choose another file")
        }
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let directory = slash.map { String(path[..<$0]) } ?? "."
        try create(path: path, directory: directory.isEmpty ? "/" : directory)
        return try load(path: path, created: true, role: role)
    }

    private init(seed: [UInt8], created: Bool, role: String) throws(DeviceIdentityError) {
        key = try Ed25519Key(seed: seed)
        let publicBytes = try key.publicKey
        // minisign picks key ids at random; ours is derived from the key, so it needs no
        // storage and is the same on every start.
        publicKey = MinisignPublicKey(keyID: Array(try blake2b512(publicBytes).prefix(8)), key: publicBytes)
        wasCreated = created
        self.role = role
    }

    /// Signs `message`, producing a minisign signature file whose trusted comment is
    /// `trustedComment` (one line; minisign conventionally uses `timestamp:… file:…`).
    public func sign(_ message: [UInt8], trustedComment: String) throws(DeviceIdentityError) -> MinisignSignature {
        guard !trustedComment.contains(where: { $0.isNewline }) else {
            throw DeviceIdentityError(.invalidComment, "a trusted comment must be one line")
        }
        let signature = try key.sign(try blake2b512(message))
        var result = MinisignSignature(
            algorithm: .prehashed, keyID: publicKey.keyID, signature: signature,
            untrustedComment: "signature from EdgeRecorder \(role) \(publicKey.keyIDHex)",
            trustedComment: trustedComment, globalSignature: [])
        result.globalSignature = try key.sign(result.globalSignedBytes)
        return result
    }

    private static func load(path: String, created: Bool, role: String = "device key") throws(DeviceIdentityError) -> DeviceKey {
        var text: [UInt8]
        do { text = try FileSystem.readFile(path, limit: 4096) } catch { throw .storage(error, "cannot read the device key") }
        defer { text.wipe() }
        guard var seed = PrivateKeyPEM.decode(String(decoding: text, as: UTF8.self)) else {
            throw DeviceIdentityError(
                .malformedKeyFile,
                "\(path) is not an Ed25519 private key (PKCS#8 PEM); it was not replaced — "
                    + "restore it from backup, or move it away to make a new identity")
        }
        defer { seed.wipe() }
        return try DeviceKey(seed: seed, created: created, role: role)
    }

    /// Writes a new key so that the file appears whole or not at all: a temporary file,
    /// fsync, then link(2) to the final name — which, unlike rename(2), fails if a key
    /// appeared meanwhile, so a key is never replaced — and fsync of the directory.
    private static func create(path: String, directory: String) throws(DeviceIdentityError) {
        var seed = try secureRandom(32)
        defer { seed.wipe() }
        let temporary = "\(path).new-\(getpid())"
        do throws(SystemError) {
            try FileSystem.makeDirectories(directory, mode: 0o700)
            let file = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            var pem = Array(PrivateKeyPEM.encode(seed: seed).utf8)
            defer { pem.wipe() }
            try file.writeAll(pem)
            try file.sync()
            try file.close()
            if link(temporary, path) == -1 {
                let code = errno
                // Filesystems without hard links (vfat): check, then rename.
                guard code == EPERM || code == EOPNOTSUPP, !FileSystem.exists(path) else {
                    try FileSystem.remove(temporary)
                    if code == EEXIST { return }  // another start won the race: use its key
                    throw SystemError(code: code, call: "link", subject: path)
                }
                try FileSystem.rename(temporary, to: path)
            } else {
                try FileSystem.remove(temporary)
            }
            try FileSystem.syncDirectory(directory)
        } catch {
            throw .storage(error, "cannot create the device key in \(directory)")
        }
    }
}

/// The PKCS#8 PEM form of an Ed25519 private key (RFC 8410): a fixed 16-byte DER prefix,
/// then the 32-byte seed. Written and read by hand to avoid a BIO object for 48 bytes.
enum PrivateKeyPEM {
    private static let prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    static func encode(seed: [UInt8]) -> String {
        "-----BEGIN PRIVATE KEY-----\n\(Base64.encode(prefix + seed, padded: true))\n-----END PRIVATE KEY-----\n"
    }

    static func decode(_ text: String) -> [UInt8]? {
        let lines = text.split(separator: "\n").map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
        guard lines.count == 3, lines[0] == "-----BEGIN PRIVATE KEY-----", lines[2] == "-----END PRIVATE KEY-----",
            var der = Base64.decode(lines[1].utf8, padded: true)
        else { return nil }
        defer { der.wipe() }
        guard der.count == 48, der.starts(with: prefix) else { return nil }
        return Array(der[16...])
    }
}
