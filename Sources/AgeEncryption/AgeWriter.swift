import COpenSSL
import EdgeCore
import EdgeCrypto
import EdgeSystem

/// Encrypts a stream into the age v1 format, writing ciphertext into the next sink as
/// each 64 KiB chunk fills. Memory stays at two chunk buffers whatever the file size.
///
/// The header and payload nonce are written by `init`; `write` seals full chunks;
/// `finish` seals the last one. A file that is never finished ends without a final chunk,
/// which readers reject as truncated (and salvage up to the last full chunk).
public final class AgeWriter: ByteSink {
    private let output: any ByteSink
    private let cipher: ChaChaPoly
    private var payloadKey: [UInt8]
    private let plaintext: UnsafeMutableRawBufferPointer
    private let sealed: UnsafeMutableRawBufferPointer
    private var nonce = [UInt8](repeating: 0, count: ChaChaPoly.nonceSize)
    private var buffered = 0
    private var chunkIndex: UInt64 = 0
    private var state = State.open

    private enum State { case open, finished, failed }

    /// Ciphertext bytes handed to `output` so far (header included).
    public private(set) var ciphertextBytes: Int64 = 0

    /// Starts a file readable by any of `recipients`, writing its header into `output`.
    public init(recipients: [AgeRecipient], output: any ByteSink) throws {
        guard !recipients.isEmpty else { throw AgeError(.misuse, "an age file needs at least one recipient") }
        self.output = output
        cipher = try ChaChaPoly()
        // Keys wiped as soon as they are used: a gateway's memory holds no key to a
        // segment beyond the one it is writing.
        var fileKey = try randomBytes(X25519Stanza.fileKeySize)
        defer { fileKey.wipe() }
        var stanzas: [Stanza] = []
        for recipient in recipients {
            stanzas.append(try X25519Stanza.wrap(fileKey: fileKey, to: recipient, cipher: cipher))
        }
        var header = AgeHeader.encodeWithoutMAC(stanzas)
        var macKey = try KeyDerivation.hkdf(secret: fileKey, salt: [], info: "header")
        defer { macKey.wipe() }
        let mac = try KeyDerivation.hmacSHA256(key: macKey, message: header)
        header += Array(" \(Base64.encode(mac, padded: false))\n".utf8)
        let streamNonce = try randomBytes(PayloadStream.nonceSize)
        payloadKey = try PayloadStream.key(fileKey: fileKey, nonce: streamNonce)
        plaintext = .allocate(byteCount: PayloadStream.chunkSize, alignment: 16)
        sealed = .allocate(byteCount: PayloadStream.sealedChunkSize, alignment: 16)
        try emit(header + streamNonce)
    }

    deinit {
        // The buffer held plaintext and the key could decrypt the file: wipe both.
        OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
        payloadKey.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        plaintext.deallocate()
        sealed.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkOpen()
        var offset = 0
        while offset < bytes.count {
            // A full chunk is sealed only once more bytes arrive: until then it might be
            // the final chunk, which carries a different nonce flag.
            if buffered == PayloadStream.chunkSize { try seal(last: false) }
            // A whole chunk with more bytes after it is sealed straight from the caller's
            // buffer: it cannot be the last, and copying it first costs a tenth of sealing.
            if buffered == 0, bytes.count - offset > PayloadStream.chunkSize {
                try sealChunk(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + PayloadStream.chunkSize)]), last: false)
                offset += PayloadStream.chunkSize
                continue
            }
            let count = min(PayloadStream.chunkSize - buffered, bytes.count - offset)
            (plaintext.baseAddress! + buffered).copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
            buffered += count
            offset += count
        }
    }

    /// Flushes every chunk sealed so far through the next sink.
    ///
    /// Up to 64 KiB of plaintext stays behind, unsealed: a chunk cannot be emitted partly
    /// filled (all but the last must be exactly 64 KiB), and a full one cannot be emitted
    /// until we know whether it is the last (its nonce flag depends on it). After a crash,
    /// the reader salvages everything up to the last flushed chunk.
    public func flush() throws {
        try output.flush()
    }

    /// Seals the final chunk (possibly short; empty only for an empty file). The writer
    /// takes no more bytes afterwards; call `flush()` to make the file durable.
    public func finish() throws {
        try checkOpen()
        try seal(last: true)
        state = .finished
    }

    private func checkOpen() throws {
        switch state {
        case .open: return
        case .finished: throw AgeError(.misuse, "the age file is already finished")
        case .failed: throw AgeError(.misuse, "an earlier write to the age file failed")
        }
    }

    private func seal(last: Bool) throws {
        try sealChunk(UnsafeRawBufferPointer(rebasing: plaintext[..<buffered]), last: last)
        buffered = 0
    }

    /// Seals one chunk (from the buffer, or straight from a caller's full, not-last chunk)
    /// and passes it on.
    private func sealChunk(_ chunk: UnsafeRawBufferPointer, last: Bool) throws {
        PayloadStream.setNonce(&nonce, index: chunkIndex, last: last)
        let length = try payloadKey.withUnsafeBytes { key in
            try nonce.withUnsafeBytes { nonce in
                try cipher.seal(key: key, nonce: nonce, plaintext: chunk, into: sealed)
            }
        }
        chunkIndex += 1
        try emit(UnsafeRawBufferPointer(rebasing: sealed[..<length]))
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try output.write(bytes)
            ciphertextBytes += Int64(bytes.count)
        } catch {
            state = .failed  // the file now has a hole; refuse to write past it
            throw error
        }
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try emit($0) }
    }
}
