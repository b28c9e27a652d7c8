import EdgeCrypto
import EdgeSystem

/// The `X25519` recipient stanza: `-> X25519 <ephemeral share>` and the file key sealed
/// under a key derived from the ephemeral–static Diffie-Hellman secret.
enum X25519Stanza {
    static let type = "X25519"
    static let label = "age-encryption.org/v1/X25519"
    static let fileKeySize = 16

    /// Wraps `fileKey` to `recipient` with a fresh ephemeral key.
    static func wrap(fileKey: [UInt8], to recipient: AgeRecipient, cipher: ChaChaPoly) throws -> Stanza {
        let ephemeral = try X25519Key.generate()
        let share = try ephemeral.publicKey
        // Only a low-order recipient key gives an all-zero secret; a real `age1…` never
        // does, but a forged one must not silently protect the file key with a constant.
        guard var secret = try ephemeral.sharedSecret(with: X25519Key(publicKey: recipient.publicKey)) else {
            throw AgeError(.invalidKey, "recipient \(recipient.encoded) is a low-order point, not a usable key")
        }
        defer { secret.wipe() }
        var wrapKey = try KeyDerivation.hkdf(secret: secret, salt: share + recipient.publicKey, info: label)
        defer { wrapKey.wipe() }
        let body = try cipher.seal(key: wrapKey, message: fileKey)
        return Stanza(type: type, arguments: [Base64.encode(share, padded: false)], body: body)
    }

    /// The file key, or nil when the stanza is not for `identity`.
    ///
    /// Malformed X25519 stanzas fail for every identity, as in the reference
    /// implementation: a header that is wrong for one reader is wrong for all.
    static func unwrap(_ stanza: Stanza, with identity: AgeIdentity, cipher: ChaChaPoly) throws -> [UInt8]? {
        guard stanza.type == type else { return nil }
        guard stanza.arguments.count == 1 else {
            throw AgeError(.header, "bad header: an X25519 stanza must have exactly one argument, this one has \(stanza.arguments.count)")
        }
        guard let share = Base64.decode(stanza.arguments[0].utf8, padded: false), share.count == 32 else {
            throw AgeError(.header, "bad header: an X25519 share must be 32 bytes of canonical base64")
        }
        // Checked before decrypting: a longer body would unwrap a key of the wrong size.
        guard stanza.body.count == fileKeySize + ChaChaPoly.tagSize else {
            throw AgeError(.header, "bad header: an X25519 stanza body must be 32 bytes, this one is \(stanza.body.count)")
        }
        let ours = try X25519Key(privateKey: identity.secretKey)
        guard var secret = try ours.sharedSecret(with: X25519Key(publicKey: share)) else {
            throw AgeError(.header, "bad header: the X25519 share is a low-order point (all-zero shared secret)")
        }
        defer { secret.wipe() }
        var wrapKey = try KeyDerivation.hkdf(
            secret: secret, salt: share + identity.recipient.publicKey, info: label)
        defer { wrapKey.wipe() }
        return try cipher.open(key: wrapKey, sealed: stanza.body)
    }
}
