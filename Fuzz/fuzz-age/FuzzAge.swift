import AgeEncryption
import EdgeCore
import FuzzSupport

/// The age reader (header, X25519 stanza, STREAM payload, ASCII armor) and the key
/// parsers, decrypting with the identity of the C2SP test vectors.
///
/// The first byte picks what the rest is (its value modulo 4):
/// - 0: `[read size] [an age file]`: any bytes, binary or armored.
/// - 1: `[read size] [AgeFile.Plan]`: an age file this target seals itself from a plan,
///   so the payload authenticates and the reader's chunk logic is reached (see AgeFile).
/// - 2: a key file (`AGE-SECRET-KEY-1…` lines) or an `age1…` recipient.
/// - 3: as 0.
/// The read size byte is the most the source hands over per read: 0 unlimited, 1–63
/// that many bytes, 64–255 in steps of 512 bytes (tiny reads of big files are slow and
/// find nothing more).
///
/// Each file is decrypted twice, with salvage off and on. Both must release the same
/// authenticated plaintext; without salvage a payload fault throws, with it the result
/// says incomplete; a bad header throws either way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    switch input.byte() % 4 {
    case 1:
        let readSize = readSizes(input.byte())
        let file = AgeFile(plan: &input)
        let outcome = decryptBothWays(file.bytes, readSize: readSize)
        file.check(outcome)
    case 2:
        parseKeys(String(decoding: input.rest(), as: UTF8.self))
    default:
        let readSize = readSizes(input.byte())
        _ = decryptBothWays(input.rest(), readSize: readSize)
    }
    return 0
}

func readSizes(_ byte: UInt8) -> Int { byte < 64 ? Int(byte) : (Int(byte) - 63) * 512 }

/// The test vectors' identity (C2SP CCTV age/testdata): most vectors are sealed to it.
let vectorIdentity = try! AgeIdentity(parsing: "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0")
nonisolated(unsafe) let reader = try! AgeReader(identities: [vectorIdentity])

/// What one decryption released and how it ended.
struct Decryption {
    var chunks: [[UInt8]] = []
    var result: AgeDecryptionResult?
    var error: AgeError?
}

/// Both ways of reading `file`, checked against each other; returns the salvaging one.
func decryptBothWays(_ file: [UInt8], readSize: Int) -> Decryption {
    let strict = decrypt(file, readSize: readSize, salvage: false)
    let salvaged = decrypt(file, readSize: readSize, salvage: true)
    expect(strict.chunks == salvaged.chunks, "salvage released other plaintext than a strict read")
    if let result = strict.result {
        expect(result.isComplete && result.failure == nil, "a strict read returned an incomplete result")
        expect(salvaged.result == result, "salvage and a strict read disagree on a complete file")
    } else if let error = strict.error, error.code == .payload {
        expect(salvaged.result.map { !$0.isComplete && $0.failure != nil } ?? false, "salvage did not return what it could")
    } else {
        expect(salvaged.result == nil && salvaged.error?.code == strict.error?.code, "salvage changed a header failure")
    }
    if let result = salvaged.result {
        expect(result.authenticatedChunks == Int64(salvaged.chunks.count), "chunk count \(result.authenticatedChunks)")
        expect(result.plaintextBytes == Int64(salvaged.chunks.reduce(0) { $0 + $1.count }), "plaintext byte count")
    }
    return salvaged
}

func decrypt(_ file: [UInt8], readSize: Int, salvage: Bool) -> Decryption {
    var out = Decryption()
    do {
        out.result = try reader.decrypt(from: ChoppedSource(file, readSize: readSize), salvage: salvage) { chunk in
            expect(chunk.count <= 64 * 1024, "a chunk of \(chunk.count) bytes")
            out.chunks.append(Array(chunk))
        }
    } catch let error as AgeError {
        out.error = error
        _ = error.description
    } catch {
        expect(false, "an error that is not an AgeError: \(error)")
    }
    return out
}

/// Bytes in memory handed over at most `readSize` at a time (0: all that fit), as a pipe
/// or a slow disk would.
final class ChoppedSource: AgeByteSource {
    private let bytes: [UInt8]
    private let readSize: Int
    private var offset = 0

    init(_ bytes: [UInt8], readSize: Int) {
        self.bytes = bytes
        self.readSize = readSize
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var count = min(buffer.count, bytes.count - offset)
        if readSize > 0 { count = min(count, readSize) }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}

/// Key files and recipients: what parses prints back as itself.
func parseKeys(_ text: String) {
    if let identities = try? AgeIdentity.parseKeyFile(text) {
        for identity in identities {
            expect((try? AgeIdentity(parsing: identity.encoded)) == identity, "an identity does not survive printing")
            let file = identity.keyFile(created: 1_795_000_000)
            expect((try? AgeIdentity.parseKeyFile(file)) == [identity], "a key file we write does not read back")
        }
    }
    if let recipient = try? AgeRecipient(parsing: text) {
        expect((try? AgeRecipient(parsing: recipient.encoded)) == recipient, "a recipient does not survive printing")
    }
}
