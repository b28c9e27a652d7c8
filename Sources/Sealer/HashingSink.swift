import EdgeCore
import EdgeCrypto

/// A sink that hashes what passes through it (SHA-256) and counts it, so a segment's
/// ciphertext hash is known the moment it is finished, without reading the file back.
final class HashingSink: ByteSink {
    private let next: any ByteSink
    private let hasher: Digest
    var count: Int64 { hasher.count }

    init(_ next: any ByteSink) throws {
        self.next = next
        hasher = try Digest(.sha256)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try hasher.update(bytes)
        try next.write(bytes)
    }

    func flush() throws { try next.flush() }

    /// The SHA-256 of everything written. Call once, at the end.
    func digest() throws -> [UInt8] { try hasher.finish() }
}
