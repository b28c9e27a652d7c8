import COpenSSL
import EdgeSystem

/// An incremental digest over libcrypto's EVP: SHA-256 (manifests, ciphertext, the
/// upload protocol) or BLAKE2b-512 (minisign's prehash). One owner, freed in `deinit`.
public final class Digest {
    public enum Algorithm: Sendable {
        case sha256, blake2b512
        var size: Int { self == .sha256 ? 32 : 64 }
        var name: String { self == .sha256 ? "SHA-256" : "BLAKE2b-512" }
    }

    public let algorithm: Algorithm
    private let context: OpaquePointer
    /// Bytes taken so far.
    public private(set) var count: Int64 = 0

    public init(_ algorithm: Algorithm) throws(OpenSSLError) {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLError("EVP_MD_CTX_new") }
        let md = algorithm == .sha256 ? EVP_sha256() : EVP_blake2b512()
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw OpenSSLError("EVP_DigestInit_ex(\(algorithm.name))")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) throws(OpenSSLError) {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            throw OpenSSLError("EVP_DigestUpdate(\(algorithm.name))")
        }
        count += Int64(bytes.count)
    }

    public func update(_ bytes: [UInt8]) throws(OpenSSLError) {
        var failure: OpenSSLError?
        bytes.withUnsafeBytes { buffer in
            do throws(OpenSSLError) { try update(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The digest of everything taken. Call once, at the end.
    public func finish() throws(OpenSSLError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.size)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1, Int(length) == algorithm.size else {
            throw OpenSSLError("EVP_DigestFinal_ex(\(algorithm.name))")
        }
        return out
    }

    /// The digest of `bytes` in one go.
    public static func hash(_ bytes: [UInt8], _ algorithm: Algorithm) throws(OpenSSLError) -> [UInt8] {
        let digest = try Digest(algorithm)
        try digest.update(bytes)
        return try digest.finish()
    }

    /// The digest of the whole file at `path`, read in 64 KiB pieces (a release archive is
    /// too big to hold). Throws the `SystemError` or the `OpenSSLError`.
    public static func hash(file path: String, _ algorithm: Algorithm) throws -> [UInt8] {
        let input = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        let digest = try Digest(algorithm)
        while true {
            let chunk = try input.read(upTo: 1 << 16)
            if chunk.isEmpty { break }
            try digest.update(chunk)
        }
        try input.close()
        return try digest.finish()
    }
}

/// SHA-256, the hash of the chain of custody.
public enum SHA256 {
    /// SHA-256 of bytes in memory. libcrypto fails here only when it is broken (then
    /// nothing can be sealed or verified at all): that stops the process with the reason.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        do { return try Digest.hash(bytes, .sha256) } catch { fatalError("\(error)") }
    }

    /// SHA-256 in lowercase hex.
    public static func hex(_ bytes: [UInt8]) -> String { Hex.encode(hash(bytes)) }

    /// Why a file could not be hashed.
    public enum FileFailure: Error, Sendable, CustomStringConvertible {
        case storage(SystemError)
        case crypto(OpenSSLError)
        public var description: String {
            switch self {
            case .storage(let e): "\(e)"
            case .crypto(let e): "\(e)"
            }
        }
    }

    /// Size and SHA-256 of the file at `path`, read in 64 KiB pieces (memory does not
    /// grow with the file).
    public static func file(_ path: String) throws(FileFailure) -> (size: Int64, sha256: [UInt8]) {
        let digest: Digest
        do { digest = try Digest(.sha256) } catch { throw .crypto(error) }
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, O_RDONLY) } catch { throw .storage(error) }
        while true {
            let piece: [UInt8]
            do { piece = try file.read(upTo: 1 << 16) } catch { throw .storage(error) }
            if piece.isEmpty { break }
            do { try digest.update(piece) } catch { throw .crypto(error) }
        }
        do { try file.close() } catch { throw .storage(error) }
        do { return (digest.count, try digest.finish()) } catch { throw .crypto(error) }
    }
}

/// BLAKE2b-512, minisign's prehash (`ED`) and the device key's fingerprint.
public enum BLAKE2b512 {
    public static func hash(_ bytes: [UInt8]) throws(OpenSSLError) -> [UInt8] { try Digest.hash(bytes, .blake2b512) }
}

/// `count` bytes from OpenSSL's CSPRNG (keys, nonces, file keys).
public func secureRandom(_ count: Int) throws(OpenSSLError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    guard count == 0 || RAND_bytes(&bytes, Int32(count)) == 1 else { throw OpenSSLError("RAND_bytes") }
    return bytes
}
