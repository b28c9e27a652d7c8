import COpenSSL
import EdgeCrypto

/// An owned Ed25519 `EVP_PKEY` (RFC 8032, "pure" Ed25519: OpenSSL hashes internally with
/// SHA-512, no digest is passed in).
final class Ed25519Key {
    let raw: OpaquePointer

    init(seed: [UInt8]) throws(DeviceIdentityError) {
        guard seed.count == 32,
            let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count)
        else { throw DeviceIdentityError.crypto("EVP_PKEY_new_raw_private_key(ED25519)") }
        raw = key
    }

    init(publicKey: [UInt8]) throws(DeviceIdentityError) {
        guard publicKey.count == 32,
            let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, publicKey.count)
        else { throw DeviceIdentityError.crypto("EVP_PKEY_new_raw_public_key(ED25519)") }
        raw = key
    }

    deinit { EVP_PKEY_free(raw) }

    var publicKey: [UInt8] {
        get throws(DeviceIdentityError) {
            var out = [UInt8](repeating: 0, count: 32)
            var length = out.count
            guard EVP_PKEY_get_raw_public_key(raw, &out, &length) == 1, length == 32 else {
                throw DeviceIdentityError.crypto("EVP_PKEY_get_raw_public_key")
            }
            return out
        }
    }

    func sign(_ message: [UInt8]) throws(DeviceIdentityError) -> [UInt8] {
        let context = try DigestContext()
        guard EVP_DigestSignInit(context.raw, nil, nil, nil, raw) == 1 else {
            throw DeviceIdentityError.crypto("EVP_DigestSignInit(ED25519)")
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        // An empty array may have no address; a one-byte stand-in with length 0 does.
        let input = message.isEmpty ? [0] : message
        let done = EVP_DigestSign(context.raw, &signature, &length, input, message.count)
        guard done == 1, length == 64 else { throw DeviceIdentityError.crypto("EVP_DigestSign(ED25519)") }
        return signature
    }

    /// Whether `signature` is valid for `message`. OpenSSL rejects S ≥ L itself; the
    /// small-order checks libsodium (and so minisign) adds are in `MinisignVerifier`.
    func verify(_ signature: [UInt8], for message: [UInt8]) throws(DeviceIdentityError) -> Bool {
        guard signature.count == 64 else { return false }
        let context = try DigestContext()
        guard EVP_DigestVerifyInit(context.raw, nil, nil, nil, raw) == 1 else {
            throw DeviceIdentityError.crypto("EVP_DigestVerifyInit(ED25519)")
        }
        let input = message.isEmpty ? [0] : message
        let result = EVP_DigestVerify(context.raw, signature, 64, input, message.count)
        OpenSSLError.clear()  // a bad signature queues an error; it is an answer, not a failure
        return result == 1
    }
}

/// An owned `EVP_MD_CTX`, for one signature or one digest.
final class DigestContext {
    let raw: OpaquePointer

    init() throws(DeviceIdentityError) {
        guard let context = EVP_MD_CTX_new() else { throw DeviceIdentityError.crypto("EVP_MD_CTX_new") }
        raw = context
    }

    deinit { EVP_MD_CTX_free(raw) }
}

/// `count` bytes from OpenSSL's CSPRNG.
func secureRandom(_ count: Int) throws(DeviceIdentityError) -> [UInt8] {
    do { return try EdgeCrypto.secureRandom(count) } catch { throw .crypto(error) }
}

/// BLAKE2b-512 of `message`: minisign's prehash (`ED`) and our key-id fingerprint.
func blake2b512(_ message: [UInt8]) throws(DeviceIdentityError) -> [UInt8] {
    do { return try BLAKE2b512.hash(message) } catch { throw .crypto(error) }
}
