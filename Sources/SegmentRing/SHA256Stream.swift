import COpenSSL
import EdgeCore

/// A sink that hashes what passes through it (SHA-256, libcrypto EVP) and counts it, so
/// a segment's ciphertext hash is known the moment it is finished, without reading the
/// file back.
final class HashingSink: ByteSink {
    private let next: any ByteSink
    private let context: OpaquePointer
    private(set) var count: Int64 = 0

    init(_ next: any ByteSink) throws {
        guard let context = EVP_MD_CTX_new() else { throw RingError(.crypto, "EVP_MD_CTX_new failed") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw RingError(.crypto, "EVP_DigestInit_ex(SHA-256) failed")
        }
        self.next = next
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            throw RingError(.crypto, "EVP_DigestUpdate failed")
        }
        count += Int64(bytes.count)
        try next.write(bytes)
    }

    func flush() throws { try next.flush() }

    /// The SHA-256 of everything written. Call once, at the end.
    func digest() throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1, length == 32 else {
            throw RingError(.crypto, "EVP_DigestFinal_ex failed")
        }
        return out
    }
}
