import COpenSSL

/// ChaCha20-Poly1305 (RFC 8439) over one owned `EVP_CIPHER_CTX`, reused for every chunk
/// of a file: allocating and fetching the cipher per 64 KiB chunk would cost more than
/// sealing it.
final class ChaChaPoly {
    static let keySize = 32
    static let nonceSize = 12
    static let tagSize = 16

    private let context: OpaquePointer

    init() throws(AgeError) {
        guard let context = EVP_CIPHER_CTX_new() else {
            throw AgeError.openSSL("EVP_CIPHER_CTX_new")
        }
        self.context = context
        // Fetch the cipher once; each seal/open below only sets key, nonce and direction.
        guard EVP_CipherInit_ex2(context, EVP_chacha20_poly1305(), nil, nil, 1, nil) == 1 else {
            throw AgeError.openSSL("EVP_CipherInit_ex2(chacha20-poly1305)")
        }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// Encrypts `plaintext` and appends the tag; `output` must hold `plaintext.count + 16`
    /// bytes. Returns the number of bytes written.
    func seal(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
        plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(AgeError) -> Int {
        precondition(output.count >= plaintext.count + Self.tagSize, "seal output too small")
        try start(key: key, nonce: nonce, encrypting: true)
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let written = try update(plaintext, into: out)
        var tail: Int32 = 0
        guard EVP_CipherFinal_ex(context, out + written, &tail) == 1 else {
            throw AgeError.openSSL("EVP_EncryptFinal_ex")
        }
        let length = written + Int(tail)
        guard edge_aead_get_tag(context, out + length, Int32(Self.tagSize)) == 1 else {
            throw AgeError.openSSL("EVP_CTRL_AEAD_GET_TAG")
        }
        return length + Self.tagSize
    }

    /// Decrypts and verifies `ciphertext` (data then 16-byte tag) into `output`, which must
    /// hold `ciphertext.count - 16` bytes. Returns the plaintext length, or nil when the
    /// tag does not verify; `output` then holds unauthenticated bytes the caller must
    /// not release.
    func open(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
        ciphertext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(AgeError) -> Int? {
        guard ciphertext.count >= Self.tagSize else { return nil }
        let bodyLength = ciphertext.count - Self.tagSize
        precondition(output.count >= bodyLength, "open output too small")
        try start(key: key, nonce: nonce, encrypting: false)
        let tag = ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self) + bodyLength
        guard edge_aead_set_tag(context, tag, Int32(Self.tagSize)) == 1 else {
            throw AgeError.openSSL("EVP_CTRL_AEAD_SET_TAG")
        }
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let written = try update(UnsafeRawBufferPointer(rebasing: ciphertext[..<bodyLength]), into: out)
        var tail: Int32 = 0
        guard EVP_CipherFinal_ex(context, out + written, &tail) == 1 else {
            ERR_clear_error()  // a forged tag is an answer, not a library failure
            return nil
        }
        return written + Int(tail)
    }

    private func start(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, encrypting: Bool
    ) throws(AgeError) {
        precondition(key.count == Self.keySize && nonce.count == Self.nonceSize)
        let keyBytes = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let nonceBytes = nonce.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherInit_ex2(context, nil, keyBytes, nonceBytes, encrypting ? 1 : 0, nil) == 1
        else { throw AgeError.openSSL("EVP_CipherInit_ex2") }
    }

    private func update(
        _ input: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>
    ) throws(AgeError) -> Int {
        // An empty chunk (the empty file) still needs its tag; skip the update call, whose
        // input pointer would be nil.
        guard input.count > 0 else { return 0 }
        var written: Int32 = 0
        let bytes = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherUpdate(context, out, &written, bytes, Int32(input.count)) == 1 else {
            throw AgeError.openSSL("EVP_CipherUpdate")
        }
        return Int(written)
    }
}

extension ChaChaPoly {
    /// Seals a small message (a wrapped file key) with a key used once, so the all-zero
    /// nonce is safe — that is what age's X25519 stanza does.
    func seal(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: message.count + Self.tagSize)
        let zeroNonce = [UInt8](repeating: 0, count: Self.nonceSize)
        _ = try key.withUnsafeBytes { k in
            try zeroNonce.withUnsafeBytes { n in
                try message.withUnsafeBytes { m in
                    try out.withUnsafeMutableBytes { o in
                        try seal(key: k, nonce: n, plaintext: m, into: o)
                    }
                }
            }
        }
        return out
    }

    /// Opens a small message sealed by `seal(key:message:)`; nil when it does not verify.
    func open(key: [UInt8], sealed: [UInt8]) throws -> [UInt8]? {
        guard sealed.count > Self.tagSize else { return nil }
        var out = [UInt8](repeating: 0, count: sealed.count - Self.tagSize)
        let zeroNonce = [UInt8](repeating: 0, count: Self.nonceSize)
        let length = try key.withUnsafeBytes { k in
            try zeroNonce.withUnsafeBytes { n in
                try sealed.withUnsafeBytes { c in
                    try out.withUnsafeMutableBytes { o in
                        try open(key: k, nonce: n, ciphertext: c, into: o)
                    }
                }
            }
        }
        return length == nil ? nil : out
    }
}
