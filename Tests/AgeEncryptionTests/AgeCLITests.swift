import EdgeSystem
import Testing

@testable import AgeEncryption

/// Interoperability with the reference `age` CLI (Debian package `age`): what we write,
/// it reads, and the other way round.
@Suite(.enabled(if: ageInstalled, "the `age` CLI is not installed (apt-get install -y age); interop not tested"))
struct AgeCLITests {
    @Test(arguments: RoundTripTests.sizes)
    func ourFileDecryptsWithAge(size: Int) throws {
        let directory = TemporaryDirectory()
        let identity = try AgeIdentity.generate()
        // The key file we write is the one `age -d -i` reads.
        try writeFile(directory.file("key.txt"), Array(identity.keyFile(created: 1_795_000_000).utf8))
        let plaintext = pattern(size, seed: 7)
        try writeFile(directory.file("file.age"), try encrypt(plaintext, to: [identity.recipient], piece: 4096))
        // To stdout: `age -o` creates no file at all for an empty plaintext.
        let status = shell("age -d -i \(directory.file("key.txt")) \(directory.file("file.age")) > \(directory.file("out"))")
        #expect(status == 0)
        #expect(try FileSystem.readFile(directory.file("out"), limit: 1 << 22) == plaintext)
    }

    @Test(arguments: RoundTripTests.sizes)
    func ageFileDecryptsWithOurReader(size: Int) throws {
        let directory = TemporaryDirectory()
        try #require(shell("age-keygen -o \(directory.file("key.txt")) 2>/dev/null") == 0)
        let identities = try AgeIdentity.parseKeyFile(
            String(decoding: FileSystem.readFile(directory.file("key.txt")), as: UTF8.self))
        let plaintext = pattern(size, seed: 11)
        try writeFile(directory.file("plain"), plaintext)
        let recipient = identities[0].recipient.encoded
        try #require(shell("age -r \(recipient) -o \(directory.file("file.age")) \(directory.file("plain"))") == 0)
        let file = try FileSystem.readFile(directory.file("file.age"), limit: 1 << 22)
        let (decrypted, result) = try decrypt(file, with: identities)
        #expect(decrypted == plaintext && result.isComplete)
        // The same through a file descriptor, as the centre reads segments.
        let descriptor = try FileDescriptor.open(directory.file("file.age"), O_RDONLY)
        let sink = CollectingSink()
        try AgeReader(identities: identities).decrypt(fileDescriptor: descriptor.rawValue, to: sink)
        #expect(sink.bytes == plaintext)
    }

    @Test func armoredAgeFileDecrypts() throws {
        let directory = TemporaryDirectory()
        let identity = try AgeIdentity.generate()
        let plaintext = pattern(100_000, seed: 3)
        try writeFile(directory.file("plain"), plaintext)
        try #require(shell("age -a -r \(identity.recipient.encoded) -o \(directory.file("file.age")) \(directory.file("plain"))") == 0)
        let file = try FileSystem.readFile(directory.file("file.age"), limit: 1 << 22)
        #expect(file.starts(with: Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)))
        #expect(try decrypt(file, with: [identity]).0 == plaintext)
    }

    @Test func twoRecipientFilesWorkBothWays() throws {
        let directory = TemporaryDirectory()
        let first = try AgeIdentity.generate()
        let second = try AgeIdentity.generate()
        for (name, identity) in [("first", first), ("second", second)] {
            try writeFile(directory.file(name), Array(identity.keyFile(created: 0).utf8))
        }
        let plaintext = pattern(150_000, seed: 5)
        // Ours, read by age with either key.
        try writeFile(directory.file("ours.age"), try encrypt(plaintext, to: [first.recipient, second.recipient]))
        for name in ["first", "second"] {
            #expect(shell("age -d -i \(directory.file(name)) -o \(directory.file("out-\(name)")) \(directory.file("ours.age"))") == 0)
            #expect(try FileSystem.readFile(directory.file("out-\(name)"), limit: 1 << 22) == plaintext)
        }
        // Age's, read by us with either key.
        try writeFile(directory.file("plain"), plaintext)
        try #require(shell("age -r \(first.recipient) -r \(second.recipient) -o \(directory.file("theirs.age")) \(directory.file("plain"))") == 0)
        let theirs = try FileSystem.readFile(directory.file("theirs.age"), limit: 1 << 22)
        #expect(try decrypt(theirs, with: [first]).0 == plaintext)
        #expect(try decrypt(theirs, with: [second]).0 == plaintext)
    }

    @Test func ageRejectsWhatOurReaderRejects() throws {
        let directory = TemporaryDirectory()
        let identity = try AgeIdentity.generate()
        try writeFile(directory.file("key"), Array(identity.keyFile(created: 0).utf8))
        let file = try encrypt(pattern(2 * 65536 + 3), to: [identity.recipient])
        let header = headerLength(file)
        for offset in [10, header - 5, header + 16 + 100, header + 16 + 65536 + 16 + 5, file.count - 1] {
            var damaged = file
            damaged[offset] ^= 0x20
            try writeFile(directory.file("bad.age"), damaged)
            #expect(shell("age -d -i \(directory.file("key")) -o /dev/null \(directory.file("bad.age")) 2>/dev/null") != 0)
            #expect(throws: AgeError.self) { try decrypt(damaged, with: [identity]) }
        }
    }

    @Test func truncatedAgeFileSalvagesUpToItsLastCompleteChunk() throws {
        let directory = TemporaryDirectory()
        let identity = try AgeIdentity.generate()
        let plaintext = pattern(3 * 65536 + 1234, seed: 9)
        try writeFile(directory.file("plain"), plaintext)
        try #require(shell("age -r \(identity.recipient) -o \(directory.file("file.age")) \(directory.file("plain"))") == 0)
        let file = try FileSystem.readFile(directory.file("file.age"), limit: 1 << 22)
        let chunk3 = headerLength(file) + 16 + 3 * (65536 + 16)
        let (salvaged, result) = try decrypt(Array(file[..<(chunk3 + 600)]), with: [identity], salvage: true)
        #expect(!result.isComplete && result.authenticatedChunks == 3)
        #expect(salvaged == Array(plaintext[..<(3 * 65536)]))
    }
}
