import COpenSSL
import EdgeCrypto

/// An owned `EVP_PKEY`: an X25519 key, private or public only.
final class X25519Key {
    let raw: OpaquePointer

    /// A private key from its 32 raw bytes. Any 32 bytes are valid: X25519 clamps the
    /// scalar itself, which is why age identities store unclamped random bytes.
    init(privateKey bytes: [UInt8]) throws(AgeError) {
        guard bytes.count == 32,
            let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, bytes, bytes.count)
        else { throw AgeError.openSSL("EVP_PKEY_new_raw_private_key(X25519)") }
        raw = key
    }

    init(publicKey bytes: [UInt8]) throws(AgeError) {
        guard bytes.count == 32,
            let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, bytes, bytes.count)
        else { throw AgeError.openSSL("EVP_PKEY_new_raw_public_key(X25519)") }
        raw = key
    }

    /// A fresh key from the system's random generator (for ephemeral shares).
    static func generate() throws(AgeError) -> X25519Key {
        try X25519Key(privateKey: randomBytes(32))
    }

    deinit { EVP_PKEY_free(raw) }

    var publicKey: [UInt8] {
        get throws(AgeError) {
            var out = [UInt8](repeating: 0, count: 32)
            var length = out.count
            guard EVP_PKEY_get_raw_public_key(raw, &out, &length) == 1, length == 32 else {
                throw AgeError.openSSL("EVP_PKEY_get_raw_public_key")
            }
            return out
        }
    }

    /// The X25519 shared secret with `peer`, or nil when it is all zeros.
    ///
    /// A low-order peer share (the identity point, or one of the small-subgroup points)
    /// makes the secret all zeros whatever our key is; age forbids it because the wrapped
    /// file key would then be protected by a constant. OpenSSL 3.0 fails the derive in
    /// that case, and we also check the bytes so the rule does not hang on a library detail.
    func sharedSecret(with peer: X25519Key) throws(AgeError) -> [UInt8]? {
        let context = try PKeyContext(key: self)
        guard EVP_PKEY_derive_init(context.raw) == 1 else {
            throw AgeError.openSSL("EVP_PKEY_derive_init(X25519)")
        }
        guard EVP_PKEY_derive_set_peer(context.raw, peer.raw) == 1 else {
            throw AgeError.openSSL("EVP_PKEY_derive_set_peer(X25519)")
        }
        var secret = [UInt8](repeating: 0, count: 32)
        var length = secret.count
        guard EVP_PKEY_derive(context.raw, &secret, &length) == 1 else {
            ERR_clear_error()  // the all-zero refusal; nothing else can fail here
            return nil
        }
        guard length == 32, secret.contains(where: { $0 != 0 }) else { return nil }
        return secret
    }
}

/// An owned `EVP_PKEY_CTX`, for one derive operation.
final class PKeyContext {
    let raw: OpaquePointer

    init(key: X25519Key) throws(AgeError) {
        guard let context = EVP_PKEY_CTX_new(key.raw, nil) else {
            throw AgeError.openSSL("EVP_PKEY_CTX_new")
        }
        raw = context
    }

    init(algorithm: Int32) throws(AgeError) {
        guard let context = EVP_PKEY_CTX_new_id(algorithm, nil) else {
            throw AgeError.openSSL("EVP_PKEY_CTX_new_id")
        }
        raw = context
    }

    deinit { EVP_PKEY_CTX_free(raw) }
}

/// `count` bytes from OpenSSL's CSPRNG (seeded from getrandom(2)).
func randomBytes(_ count: Int) throws(AgeError) -> [UInt8] {
    do { return try secureRandom(count) } catch { throw AgeError.crypto(error) }
}
