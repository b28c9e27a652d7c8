/// age's STREAM construction: the payload in 64 KiB chunks, each sealed with
/// ChaCha20-Poly1305 under the payload key and the nonce (11-byte big-endian chunk
/// counter, then 0x01 for the final chunk and 0x00 for the others). The flag is what makes
/// truncation at a chunk boundary detectable; the counter, reordering.
enum PayloadStream {
    static let chunkSize = 64 * 1024
    static let sealedChunkSize = chunkSize + ChaChaPoly.tagSize
    static let nonceSize = 16

    /// HKDF-SHA-256(file key, salt: the 16-byte payload nonce, info: "payload").
    static func key(fileKey: [UInt8], nonce: [UInt8]) throws(AgeError) -> [UInt8] {
        try KeyDerivation.hkdf(secret: fileKey, salt: nonce, info: "payload")
    }

    /// Writes the nonce of chunk `index` into `nonce` (12 bytes).
    static func setNonce(_ nonce: inout [UInt8], index: UInt64, last: Bool) {
        // Bytes 0–2 are the top of the 88-bit counter; a UInt64 index never reaches them.
        for byte in 0..<3 { nonce[byte] = 0 }
        for byte in 0..<8 { nonce[3 + byte] = UInt8(truncatingIfNeeded: index >> (56 - 8 * UInt64(byte))) }
        nonce[11] = last ? 1 : 0
    }
}

/// The outcome of a decryption that did not fail before the payload.
public struct AgeDecryptionResult: Sendable, Equatable {
    /// True when the final chunk verified and nothing followed it.
    public var isComplete: Bool
    /// Plaintext bytes released: all authenticated, in order, from the start.
    public var plaintextBytes: Int64
    /// Chunks that verified (and were released).
    public var authenticatedChunks: Int64
    /// Why the payload stopped early, for a salvaged (incomplete) file.
    public var failure: AgeError?
}
