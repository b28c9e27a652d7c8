import COpenSSL

/// The hash-based primitives age builds on: HKDF-SHA-256 for every key, HMAC-SHA-256 for
/// the header MAC.
enum KeyDerivation {
    /// HKDF-SHA-256 (RFC 5869) through the `EVP_PKEY` HKDF interface, which takes plain
    /// byte buffers; the `EVP_KDF` interface would need `OSSL_PARAM` arrays whose string
    /// pointers Swift cannot keep alive across the call without extra ceremony.
    static func hkdf(
        secret: [UInt8], salt: [UInt8], info: String, count: Int = 32
    ) throws(AgeError) -> [UInt8] {
        let context = try PKeyContext(algorithm: EVP_PKEY_HKDF)
        let infoBytes = Array(info.utf8)
        guard EVP_PKEY_derive_init(context.raw) == 1,
            EVP_PKEY_CTX_set_hkdf_md(context.raw, EVP_sha256()) == 1,
            EVP_PKEY_CTX_set1_hkdf_key(context.raw, secret, Int32(secret.count)) == 1,
            EVP_PKEY_CTX_add1_hkdf_info(context.raw, infoBytes, Int32(infoBytes.count)) == 1
        else { throw AgeError.openSSL("HKDF setup") }
        // An absent salt means HashLen zero bytes (RFC 5869 §2.2), which is what age's
        // empty salt for the header key means too, so it is simply not set.
        if !salt.isEmpty,
            EVP_PKEY_CTX_set1_hkdf_salt(context.raw, salt, Int32(salt.count)) != 1
        {
            throw AgeError.openSSL("EVP_PKEY_CTX_set1_hkdf_salt")
        }
        var out = [UInt8](repeating: 0, count: count)
        var length = count
        guard EVP_PKEY_derive(context.raw, &out, &length) == 1, length == count else {
            throw AgeError.openSSL("EVP_PKEY_derive(HKDF)")
        }
        return out
    }

    /// HMAC-SHA-256 of `message` under `key`. `EVP_Q_mac` is a one-shot call that creates
    /// and frees its own context, so there is no object for us to own.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) throws(AgeError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let done = EVP_Q_mac(
            nil, "HMAC", nil, "SHA256", nil, key, key.count, message, message.count,
            &out, out.count, &length)
        guard done != nil, length == 32 else { throw AgeError.openSSL("EVP_Q_mac(HMAC-SHA256)") }
        return out
    }

    /// Compares two MACs in constant time, so timing reveals nothing about how much of a
    /// forged MAC was right.
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && CRYPTO_memcmp(a, b, a.count) == 0
    }
}
