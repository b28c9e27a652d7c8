import COpenSSL
import EdgeSystem

/// SHA-256 (libcrypto EVP) and lowercase hex, as manifests write hashes.
enum SHA256 {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let input = bytes.isEmpty ? [0] : bytes  // an empty array may have no address
        // EVP_Digest fails only when libcrypto is broken; then nothing can be verified.
        precondition(EVP_Digest(input, bytes.count, &out, &length, EVP_sha256(), nil) == 1, "EVP_Digest(SHA-256) failed")
        return out
    }

    /// Size and SHA-256 of a file, read in 64 KiB pieces.
    static func file(_ path: String) throws -> (size: Int64, sha256: [UInt8]) {
        guard let context = EVP_MD_CTX_new() else { throw ReceiverError("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw ReceiverError("EVP_DigestInit_ex failed") }
        let file = try FileDescriptor.open(path, O_RDONLY)
        var size: Int64 = 0
        while case let piece = try file.read(upTo: 1 << 16), !piece.isEmpty {
            guard EVP_DigestUpdate(context, piece, piece.count) == 1 else { throw ReceiverError("EVP_DigestUpdate failed") }
            size += Int64(piece.count)
        }
        try file.close()
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1 else { throw ReceiverError("EVP_DigestFinal_ex failed") }
        return (size, out)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}

/// A storage or system fault inside the receiver (a 500 for the request that met it).
public struct ReceiverError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Names that become path components: `[A-Za-z0-9._-]`, 1–64, no leading dot, so a
/// gateway or camera id can never climb out of its directory.
func isPlainName(_ name: String, limit: Int = 64) -> Bool {
    let bytes = Array(name.utf8)
    guard (1...limit).contains(bytes.count), bytes[0] != UInt8(ascii: ".") else { return false }
    return bytes.allSatisfy { b in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            || b == UInt8(ascii: "-")
    }
}

/// A sequence number as the gateway ring writes it in file names: at least 8 digits.
func padded(_ sequence: UInt64) -> String {
    let digits = String(sequence)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
