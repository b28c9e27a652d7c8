import COpenSSL
import EdgeSystem

/// SHA-256 through libcrypto's EVP interface, for manifests (in memory) and ciphertext
/// files (streamed in 64 KiB reads, so memory does not grow with the segment).
enum Digest {
    static func sha256(_ bytes: [UInt8]) throws(CustodyError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let input = bytes.isEmpty ? [0] : bytes  // an empty array may have no address
        guard EVP_Digest(input, bytes.count, &out, &length, EVP_sha256(), nil) == 1, length == 32 else {
            throw CustodyError(.crypto, "EVP_Digest(SHA-256) failed")
        }
        return out
    }

    /// The size and SHA-256 of the file at `path`.
    static func sha256(fileAt path: String) throws(CustodyError) -> (size: Int64, sha256: [UInt8]) {
        guard let context = EVP_MD_CTX_new() else { throw CustodyError(.crypto, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            throw CustodyError(.crypto, "EVP_DigestInit_ex(SHA-256) failed")
        }
        var size: Int64 = 0
        var updated = true
        do throws(SystemError) {
            let file = try FileDescriptor.open(path, O_RDONLY)
            while updated, case let piece = try file.read(upTo: 65536), !piece.isEmpty {
                updated = EVP_DigestUpdate(context, piece, piece.count) == 1
                size += Int64(piece.count)
            }
            try file.close()
        } catch {
            throw .storage(error)
        }
        guard updated else { throw CustodyError(.crypto, "EVP_DigestUpdate failed") }
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1, length == 32 else {
            throw CustodyError(.crypto, "EVP_DigestFinal_ex failed")
        }
        return (size, out)
    }
}

/// Lowercase hexadecimal, as manifests write hashes.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// Strict: lowercase digits only, an even count.
    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = digits.firstIndex(of: chars[index]), let low = digits.firstIndex(of: chars[index + 1]) else {
                return nil
            }
            out.append(UInt8(high << 4 | low))
            index += 2
        }
        return out
    }
}
