import COpenSSL
import EdgeCore
import EdgeSystem

/// Decrypts age v1 files (binary or ASCII-armored) for a set of X25519 identities,
/// streaming: each 64 KiB chunk is released as soon as it verifies, so memory does not
/// grow with the file.
///
/// Without `salvage`, a payload that stops verifying throws — after the authenticated
/// prefix was released, as the reference implementation does. With `salvage`, the same
/// case returns a result marked incomplete: that is how a segment cut short by a power
/// loss is recovered up to its last complete chunk. A bad header always throws.
public final class AgeReader {
    private let identities: [AgeIdentity]
    private let cipher: ChaChaPoly
    private let plaintext: UnsafeMutableRawBufferPointer

    public init(identities: [AgeIdentity]) throws {
        guard !identities.isEmpty else { throw AgeError(.misuse, "decrypting needs at least one identity") }
        self.identities = identities
        cipher = try ChaChaPoly()
        plaintext = .allocate(byteCount: PayloadStream.chunkSize, alignment: 16)
    }

    deinit {
        OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
        plaintext.deallocate()
    }

    /// Decrypts `source`, calling `chunk` with each authenticated piece of plaintext in order.
    public func decrypt(
        from source: any AgeByteSource, salvage: Bool = false,
        chunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> AgeDecryptionResult {
        let raw = BufferedSource(source)
        let input = try Self.isArmored(raw) ? BufferedSource(ArmorSource(raw)) : raw
        let header = try AgeHeader.parse(input)
        var fileKey = try unwrapFileKey(header)
        defer { fileKey.wipe() }
        var macKey = try KeyDerivation.hkdf(secret: fileKey, salt: [], info: "header")
        defer { macKey.wipe() }
        let mac = try KeyDerivation.hmacSHA256(key: macKey, message: header.macInput)
        guard KeyDerivation.equalInConstantTime(mac, header.mac) else {
            throw AgeError(.headerMAC, "header MAC mismatch")
        }
        guard try input.fill(atLeast: PayloadStream.nonceSize) else {
            throw AgeError(.header, "bad header: the file ends before the 16-byte payload nonce")
        }
        let streamNonce = Array(input.peek(PayloadStream.nonceSize))
        input.consume(PayloadStream.nonceSize)
        var key = try PayloadStream.key(fileKey: fileKey, nonce: streamNonce)
        defer { key.wipe() }
        return try decryptPayload(input, key: key, salvage: salvage, chunk: chunk)
    }

    /// Decrypts `source` into `sink`, then flushes the sink.
    @discardableResult
    public func decrypt(
        from source: any AgeByteSource, to sink: any ByteSink, salvage: Bool = false
    ) throws -> AgeDecryptionResult {
        let result = try decrypt(from: source, salvage: salvage) { try sink.write($0) }
        try sink.flush()
        return result
    }

    /// Decrypts the file open at `fileDescriptor` (read from its current offset; the
    /// caller keeps ownership) into `sink`.
    @discardableResult
    public func decrypt(
        fileDescriptor: Int32, to sink: any ByteSink, salvage: Bool = false
    ) throws -> AgeDecryptionResult {
        try decrypt(from: FileDescriptorByteSource(fileDescriptor: fileDescriptor), to: sink, salvage: salvage)
    }

    /// A binary age file starts with its version line; anything else is taken for armor,
    /// whose parser then says precisely what is wrong.
    private static func isArmored(_ input: BufferedSource) throws -> Bool {
        let binaryStart = Array("age-encryption.org/".utf8)
        try input.fill(atLeast: binaryStart.count)
        return !binaryStart.starts(with: input.peek(binaryStart.count))
    }

    private func unwrapFileKey(_ header: AgeHeader) throws -> [UInt8] {
        for stanza in header.stanzas {
            for identity in identities {
                if let fileKey = try X25519Stanza.unwrap(stanza, with: identity, cipher: cipher) {
                    return fileKey
                }
            }
        }
        let types = Set(header.stanzas.map(\.type)).sorted().joined(separator: ", ")
        throw AgeError(
            .noMatchingIdentity,
            "no identity matches: the file is for \(header.stanzas.count) recipient(s) (\(types)), "
                + "none of them \(identities.map(\.recipient.encoded).joined(separator: " or "))")
    }

    private func decryptPayload(
        _ input: BufferedSource, key: [UInt8], salvage: Bool,
        chunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> AgeDecryptionResult {
        var result = AgeDecryptionResult(isComplete: false, plaintextBytes: 0, authenticatedChunks: 0)
        var nonce = [UInt8](repeating: 0, count: ChaChaPoly.nonceSize)
        func stop(_ message: String) throws -> AgeDecryptionResult {
            let error = AgeError(.payload, message)
            guard salvage else { throw error }
            result.failure = error
            return result
        }
        while true {
            let index = UInt64(result.authenticatedChunks)
            // One byte of look-ahead tells whether this chunk ends the input.
            try input.fill(atLeast: PayloadStream.sealedChunkSize + 1)
            let available = input.available
            if available == 0 {
                return try stop(index == 0 ? "the payload has no chunks" : "the file is truncated after chunk \(index - 1)")
            }
            let size = min(available, PayloadStream.sealedChunkSize)
            let atEnd = available <= PayloadStream.sealedChunkSize
            // Try the flag the position implies; a full chunk may still be either (a final
            // chunk of exactly 64 KiB, or one followed by stray data), so try the other too.
            var last = atEnd
            var length = try open(input, size: size, key: key, nonce: &nonce, index: index, last: last)
            if length == nil && size == PayloadStream.sealedChunkSize {
                last.toggle()
                length = try open(input, size: size, key: key, nonce: &nonce, index: index, last: last)
            }
            guard let length else { return try stop("chunk \(index) failed authentication") }
            if last && length == 0 && index > 0 {
                return try stop("chunk \(index) is an empty final chunk, which only an empty file may have")
            }
            try chunk(UnsafeRawBufferPointer(rebasing: plaintext[..<length]))
            input.consume(size)
            result.plaintextBytes += Int64(length)
            result.authenticatedChunks += 1
            if last {
                if !atEnd { return try stop("data follows the final chunk \(index)") }
                result.isComplete = true
                return result
            }
            if atEnd { return try stop("the file is truncated after chunk \(index)") }
        }
    }

    private func open(
        _ input: BufferedSource, size: Int, key: [UInt8], nonce: inout [UInt8], index: UInt64, last: Bool
    ) throws -> Int? {
        PayloadStream.setNonce(&nonce, index: index, last: last)
        return try input.withUnread(size) { sealed in
            try key.withUnsafeBytes { key in
                try nonce.withUnsafeBytes { nonce in
                    try cipher.open(key: key, nonce: nonce, ciphertext: sealed, into: plaintext)
                }
            }
        }
    }
}
