import COpenSSL

/// The primitives this target seals its own age files with, straight from libcrypto:
/// independent of the AgeEncryption code under test.
enum Crypto {
    static func hkdf(secret: [UInt8], salt: [UInt8], info: String) -> [UInt8] {
        let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil)!
        defer { EVP_PKEY_CTX_free(context) }
        let info = Array(info.utf8)
        var out = [UInt8](repeating: 0, count: 32)
        var length = out.count
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()) == 1,
            EVP_PKEY_CTX_set1_hkdf_key(context, secret, Int32(secret.count)) == 1,
            EVP_PKEY_CTX_add1_hkdf_info(context, info, Int32(info.count)) == 1,
            salt.isEmpty || EVP_PKEY_CTX_set1_hkdf_salt(context, salt, Int32(salt.count)) == 1,
            EVP_PKEY_derive(context, &out, &length) == 1
        else { fatalError("HKDF failed") }
        return out
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        guard EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, key, key.count, message, message.count, &out, out.count, &length) != nil
        else { fatalError("HMAC failed") }
        return out
    }

    /// ChaCha20-Poly1305 of one STREAM chunk: nonce = 11-byte big-endian index, final flag.
    static func sealChunk(_ plaintext: ArraySlice<UInt8>, key: [UInt8], index: UInt64, last: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for byte in 0..<8 { nonce[3 + byte] = UInt8(truncatingIfNeeded: index >> (56 - 8 * UInt64(byte))) }
        nonce[11] = last ? 1 : 0
        let context = EVP_CIPHER_CTX_new()!
        defer { EVP_CIPHER_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        let done = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            let base = buffer.baseAddress!
            var written: Int32 = 0, tail: Int32 = 0
            return EVP_EncryptInit_ex2(context, EVP_chacha20_poly1305(), key, nonce, nil) == 1
                && (plaintext.isEmpty
                    || plaintext.withUnsafeBufferPointer { EVP_EncryptUpdate(context, base, &written, $0.baseAddress, Int32($0.count)) } == 1)
                && EVP_EncryptFinal_ex(context, base + Int(written), &tail) == 1
                && edge_aead_get_tag(context, base + plaintext.count, 16) == 1
        }
        guard done else { fatalError("ChaCha20-Poly1305 failed") }
        return out
    }

    static func base64(_ bytes: [UInt8], padded: Bool) -> String {
        var out = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
        let length = Int(EVP_EncodeBlock(&out, bytes, Int32(bytes.count)))
        var text = out[..<length]
        if !padded { while text.last == UInt8(ascii: "=") { text.removeLast() } }
        return String(decoding: text, as: UTF8.self)
    }
}
