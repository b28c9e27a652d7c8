import AgeEncryption
import FuzzSupport

/// An age file sealed here, from a plan read off the fuzz input, with the file key and
/// X25519 stanza of the C2SP vector `x25519` (so the vector identity opens it). The plan:
///
///     flags, extra header length N, N bytes of extra header text, then 3-byte steps
///
/// flags: 1 armor, 2 CRLF armor lines, 4 extra text after the X25519 stanza (else before),
/// 8 a wrong header MAC. A step `[k, a, b]`, by `k % 8`:
/// - 0–3: a chunk sealed with the right key: plaintext length `a << 8 | b` (65 536 when
///   `k & 8`), the final-chunk flag when `k & 16`, chunk number `a` when `k & 32` (else
///   the next number in order);
/// - 4: `a` bytes of the input, unsealed (garbage);
/// - 5: the file cut `a << 8 | b` bytes short;
/// - 6: the last chunk again (a replay);
/// - 7: one bit flipped, `a << 8 | b` bytes from the end.
/// At most 8 steps are read.
///
/// A plan of chunks alone is judged exactly: the reader must release the chunks a correct
/// STREAM reader releases, and call the file complete exactly when it is well-formed.
/// With any other step, every released chunk must still be the authentic plaintext of
/// the chunk number at its position.
struct AgeFile {
    struct Chunk {
        var index: UInt64
        var last: Bool
        var length: Int
    }

    private(set) var bytes: [UInt8] = []
    private var chunks: [Chunk] = []
    private var onlyChunks = true
    private var headerIsValid = true

    static let chunkSize = 64 * 1024
    static let fileKey = Array("YELLOW SUBMARINE".utf8)
    static let streamNonce: [UInt8] = Array(0..<16)
    static let stanza = Array(
        "-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n".utf8)
    static let payloadKey = Crypto.hkdf(secret: fileKey, salt: streamNonce, info: "payload")
    static let macKey = Crypto.hkdf(secret: fileKey, salt: [], info: "header")

    init(plan input: inout FuzzInput) {
        let flags = input.byte()
        let extra = Array(input.bytes(Int(input.byte())))
        headerIsValid = extra.isEmpty && flags & 8 == 0
        var header = Array("age-encryption.org/v1\n".utf8)
        header += flags & 4 == 0 ? extra + Self.stanza : Self.stanza + extra
        header += Array("---".utf8)
        var mac = Crypto.hmacSHA256(key: Self.macKey, message: header)
        if flags & 8 != 0 { mac[0] ^= 1 }
        bytes = header + Array(" \(Crypto.base64(mac, padded: false))\n".utf8) + Self.streamNonce
        let payloadStart = bytes.count
        var steps = 0
        while input.remaining >= 3 && steps < 8 {
            steps += 1
            let (k, a, b) = (input.byte(), Int(input.byte()), Int(input.byte()))
            switch k % 8 {
            case 0...3:
                let chunk = Chunk(
                    index: k & 32 != 0 ? UInt64(a) : UInt64(chunks.count), last: k & 16 != 0,
                    length: k & 8 != 0 ? Self.chunkSize : a << 8 | b)
                chunks.append(chunk)
                bytes += Crypto.sealChunk(Self.plaintext(index: chunk.index, length: chunk.length), key: Self.payloadKey, index: chunk.index, last: chunk.last)
            case 4:
                onlyChunks = false
                bytes += input.bytes(a)
            case 5:
                onlyChunks = false
                bytes.removeLast(min(a << 8 | b, bytes.count - payloadStart))
            case 6:
                onlyChunks = false
                if let chunk = chunks.last {
                    bytes += Crypto.sealChunk(Self.plaintext(index: chunk.index, length: chunk.length), key: Self.payloadKey, index: chunk.index, last: chunk.last)
                }
            default:
                onlyChunks = false
                let distance = a << 8 | b
                if distance < bytes.count - payloadStart { bytes[bytes.count - 1 - distance] ^= 0x10 }
            }
        }
        if flags & 1 != 0 { bytes = Self.armored(bytes, crlf: flags & 2 != 0) }
    }

    /// The plaintext of chunk `index`: a window into a fixed pseudo-random pattern that
    /// starts at a different place for every chunk number, so a chunk released at the
    /// wrong place shows. (Slicing, not computing, keeps the target fast under ASan.)
    static func plaintext(index: UInt64, length: Int) -> ArraySlice<UInt8> {
        let start = Int(index % 256) * 257
        return pattern[start..<start + length]
    }

    private static let pattern: [UInt8] = {
        var state: UInt32 = 0x9E37_79B9
        return (0..<(256 * 257 + chunkSize)).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }()

    static func armored(_ file: [UInt8], crlf: Bool) -> [UInt8] {
        let eol = Array((crlf ? "\r\n" : "\n").utf8)
        let text = Array(Crypto.base64(file, padded: true).utf8)
        var out = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8) + eol
        var offset = 0
        while offset < text.count {
            out += text[offset..<min(offset + 64, text.count)] + eol
            offset += 64
        }
        return out + Array("-----END AGE ENCRYPTED FILE-----".utf8) + eol
    }

    func check(_ outcome: Decryption) {
        if !headerIsValid {
            if let error = outcome.error, [.header, .headerMAC, .noMatchingIdentity].contains(error.code) { return }
        } else {
            expect(outcome.error == nil, "a valid header failed: \(outcome.error.map(\.description) ?? "")")
        }
        for (position, chunk) in outcome.chunks.enumerated() {
            expect(chunk[...] == Self.plaintext(index: UInt64(position), length: chunk.count), "chunk \(position) released with other plaintext")
        }
        guard onlyChunks && headerIsValid else { return }
        let expected = Self.expectedReading(chunks)
        expect(outcome.chunks.count == expected.released, "released \(outcome.chunks.count) chunks, expected \(expected.released)")
        expect(outcome.result?.isComplete == expected.complete, "complete: \(outcome.result?.isComplete as Any), expected \(expected.complete)")
    }

    /// What a correct reader does with `chunks` laid end to end: how many it releases
    /// and whether the file is complete. The reader sees a window of one sealed chunk
    /// (or the rest of the file when that is shorter), tries the final flag the window's
    /// position implies and, for a full window, the other one.
    static func expectedReading(_ chunks: [Chunk]) -> (released: Int, complete: Bool) {
        let sealed = chunkSize + 16
        for (position, chunk) in chunks.enumerated() {
            let rest = chunks[position...].reduce(0) { $0 + $1.length + 16 }
            let atEnd = rest <= sealed
            // The window must be exactly this chunk, sealed for this position.
            let window = atEnd ? rest : sealed
            guard window == chunk.length + 16, chunk.index == UInt64(position) else { return (position, false) }
            guard chunk.last == atEnd || window == sealed else { return (position, false) }
            if chunk.last && chunk.length == 0 && position > 0 { return (position, false) }
            if chunk.last { return (position + 1, atEnd) }
            if atEnd { return (position + 1, false) }
        }
        return (chunks.count, false)
    }
}
