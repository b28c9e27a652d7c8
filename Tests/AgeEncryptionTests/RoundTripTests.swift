import EdgeCore
import EdgeSystem
import Testing

@testable import AgeEncryption

@Suite struct RoundTripTests {
    static let sizes = [0, 1, 65535, 65536, 65537, 3 * 65536]

    @Test(arguments: sizes)
    func roundTrip(size: Int) throws {
        let identity = try AgeIdentity.generate()
        let plaintext = pattern(size, seed: UInt32(size))
        let file = try encrypt(plaintext, to: [identity.recipient])
        let (decrypted, result) = try decrypt(file, with: [identity])
        #expect(decrypted == plaintext)
        #expect(result.isComplete && result.plaintextBytes == Int64(size))
        // Chunks: ⌈size / 64 KiB⌉, but at least one (the empty file's empty final chunk).
        #expect(result.authenticatedChunks == Int64(max(1, (size + 65535) / 65536)))
    }

    @Test func twoRecipientsEitherIdentityDecrypts() throws {
        let first = try AgeIdentity.generate()
        let second = try AgeIdentity.generate()
        let plaintext = pattern(70_000)
        let file = try encrypt(plaintext, to: [first.recipient, second.recipient])
        #expect(try decrypt(file, with: [first]).0 == plaintext)
        #expect(try decrypt(file, with: [second]).0 == plaintext)
        let stranger = try AgeIdentity.generate()
        #expect(throws: AgeError.self) { try decrypt(file, with: [stranger]) }
    }

    @Test func flushPassesOnEverySealedChunk() throws {
        let sink = CollectingSink()
        let writer = try AgeWriter(recipients: [AgeIdentity.generate().recipient], output: sink)
        let headerSize = sink.bytes.count
        try writer.write(pattern(2 * 65536 + 10))
        try writer.flush()
        // Two full chunks went out; the 10 trailing bytes wait for more data or finish().
        #expect(sink.flushes == 1)
        #expect(sink.bytes.count == headerSize + 2 * (65536 + 16))
        #expect(writer.ciphertextBytes == Int64(sink.bytes.count))
        try writer.finish()
        #expect(sink.bytes.count == headerSize + 2 * (65536 + 16) + 10 + 16)
        #expect(throws: AgeError.self) { try writer.write([1]) }
        #expect(throws: AgeError.self) { try writer.finish() }
    }

    @Test func noRecipientsIsAnError() {
        #expect(throws: AgeError.self) { try AgeWriter(recipients: [], output: CollectingSink()) }
    }

    @Test func changedHeaderByteIsDetected() throws {
        let identity = try AgeIdentity.generate()
        let file = try encrypt(pattern(1000), to: [identity.recipient])
        let headerEnd = headerLength(file)
        for offset in 0..<headerEnd {
            var damaged = file
            damaged[offset] ^= 0x01
            #expect(throws: AgeError.self, "header byte \(offset)") { try decrypt(damaged, with: [identity]) }
        }
    }

    @Test func changedByteInAnyChunkIsDetected() throws {
        let identity = try AgeIdentity.generate()
        let file = try encrypt(pattern(3 * 65536 + 500), to: [identity.recipient])
        let payloadStart = headerLength(file) + 16
        for chunk in 0..<4 {
            for position in [0, 7, 65536 + 15] {
                let offset = min(payloadStart + chunk * (65536 + 16) + position, file.count - 1)
                var damaged = file
                damaged[offset] ^= 0x80
                let error = #expect(throws: AgeError.self) { try decrypt(damaged, with: [identity]) }
                #expect(error?.code == .payload)
                #expect(error?.message == "chunk \(chunk) failed authentication")
            }
        }
    }

    @Test func truncatedFileSalvagesItsCompleteChunks() throws {
        let identity = try AgeIdentity.generate()
        let plaintext = pattern(3 * 65536 + 500)
        let file = try encrypt(plaintext, to: [identity.recipient])
        let payloadStart = headerLength(file) + 16
        // Cut inside chunk 2, and exactly at the end of chunk 1: both keep chunks 0 and 1.
        for cut in [payloadStart + 2 * (65536 + 16) + 1000, payloadStart + 2 * (65536 + 16)] {
            let truncated = Array(file[..<cut])
            let (salvaged, result) = try decrypt(truncated, with: [identity], salvage: true)
            #expect(!result.isComplete)
            #expect(result.plaintextBytes == 2 * 65536 && result.authenticatedChunks == 2)
            #expect(salvaged == Array(plaintext[..<(2 * 65536)]))
            #expect(result.failure?.code == .payload)
            let error = #expect(throws: AgeError.self) { try decrypt(truncated, with: [identity]) }
            #expect(error?.code == .payload)
        }
    }

    @Test func unfinishedWriterLeavesASalvageableFile() throws {
        let identity = try AgeIdentity.generate()
        let sink = CollectingSink()
        let plaintext = pattern(65536 + 20)
        do {
            let writer = try AgeWriter(recipients: [identity.recipient], output: sink)
            try writer.write(plaintext)
            try writer.flush()  // a crash here: no finish()
        }
        let (salvaged, result) = try decrypt(sink.bytes, with: [identity], salvage: true)
        #expect(!result.isComplete && salvaged == Array(plaintext[..<65536]))
    }

    @Test func keyFileRoundTrips() throws {
        let identity = try AgeIdentity.generate()
        let text = identity.keyFile(created: 1_795_000_000)
        #expect(text.hasPrefix("# created: 2026-11-18T"))
        #expect(text.contains("# public key: \(identity.recipient.encoded)\n"))
        #expect(try AgeIdentity.parseKeyFile(text) == [identity])
        #expect(try AgeIdentity(parsing: identity.encoded) == identity)
        #expect(try AgeRecipient(parsing: identity.recipient.encoded) == identity.recipient)
        #expect(!"\(identity)".contains("AGE-SECRET-KEY"))
        #expect(WallTime(nanosecondsSinceEpoch: 0).rfc3339Seconds == "1970-01-01T00:00:00Z")
        #expect(WallTime(nanosecondsSinceEpoch: 951_827_696 * 1_000_000_000).rfc3339Seconds == "2000-02-29T12:34:56Z")
    }
}

/// Bytes up to and including the `--- MAC` line.
func headerLength(_ file: [UInt8]) -> Int {
    let marker = Array("\n--- ".utf8)
    var index = 0
    while !file[index...].starts(with: marker) { index += 1 }
    return file[(index + 1)...].firstIndex(of: UInt8(ascii: "\n"))! + 1
}
