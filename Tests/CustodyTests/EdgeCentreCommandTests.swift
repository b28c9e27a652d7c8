import AgeEncryption
import EdgeSystem
import Testing
import TestSupport

/// The `edge-centre` binary built beside this test bundle (`swift build --build-tests`
/// builds it too).
let edgeCentre: String = {
    let exe = (try? FileSystem.readFile("/proc/self/cmdline", limit: 1 << 16)).flatMap { $0.split(separator: 0).first }
    var directory = String(decoding: exe ?? [], as: UTF8.self)
    // …/debug/EdgeRecorderPackageTests.xctest → …/debug/edge-centre
    if let slash = directory.lastIndex(of: "/") { directory = String(directory[..<slash]) }
    return "\(directory)/edge-centre"
}()

@Suite struct EdgeCentreCommandTests {
    /// Encrypts `plaintext` with our AgeWriter into `path`, optionally leaving it unfinished.
    func encrypt(_ plaintext: [UInt8], to recipient: AgeRecipient, path: String, finish: Bool = true) throws {
        let sink = MemorySink()
        let writer = try AgeWriter(recipients: [recipient], output: sink)
        try plaintext.withUnsafeBytes { try writer.write($0) }
        if finish { try writer.finish() }
        try writer.flush()
        try writeFile(path, sink.bytes)
    }

    @Test func keygenDecryptAndSalvageEndToEnd() throws {
        #expect(FileSystem.exists(edgeCentre), "build edge-centre first: \(edgeCentre)")
        let dir = try Fixtures.scratchDirectory("centre")
        let keyFile = "\(dir)/centre.key"
        let keygen = try Tool.run(edgeCentre, ["keygen", "--output", keyFile])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let recipient = try AgeRecipient(parsing: String((keygen.stdout.split(separator: " ").last ?? "").filter { !$0.isWhitespace }))
        #expect(try Tool.run(edgeCentre, ["keygen", "--output", keyFile]).status == 1)  // never overwrites
        var info = stat()
        #expect(stat(keyFile, &info) == 0 && info.st_mode & 0o777 == 0o600)

        var random = SeededGenerator(seed: 7)
        let plaintext = random.bytes(200_000)
        try encrypt(plaintext, to: recipient, path: "\(dir)/seg.mkv.age")
        let whole = try Tool.run(edgeCentre, ["decrypt", "--identity", keyFile, "\(dir)/seg.mkv.age"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try FileSystem.readFile("\(dir)/seg.mkv") == plaintext)
        // The standard tool reads our key file too.
        #expect(try Tool.run("age", ["-d", "-i", keyFile, "-o", "\(dir)/by-age.mkv", "\(dir)/seg.mkv.age"]).status == 0)
        #expect(try FileSystem.readFile("\(dir)/by-age.mkv") == plaintext)

        // A segment cut short by a power loss: three full chunks were sealed.
        try encrypt(plaintext, to: recipient, path: "\(dir)/cut.mkv.age", finish: false)
        let refused = try Tool.run(edgeCentre, ["decrypt", "-i", keyFile, "\(dir)/cut.mkv.age", "-o", "\(dir)/cut.mkv"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--salvage"))
        #expect(!FileSystem.exists("\(dir)/cut.mkv") && !FileSystem.exists("\(dir)/cut.mkv.partial"))
        let salvaged = try Tool.run(edgeCentre, ["decrypt", "-i", keyFile, "--salvage", "\(dir)/cut.mkv.age", "-o", "\(dir)/cut.mkv"])
        #expect(salvaged.status == 2)
        #expect(salvaged.stdout.contains("partial: 196608 bytes of authenticated plaintext (file truncated)"))
        #expect(try FileSystem.readFile("\(dir)/cut.mkv") == Array(plaintext.prefix(196_608)))
    }

    @Test func decryptNeverWritesThroughALinkOrOverAnotherPartial() throws {
        #expect(FileSystem.exists(edgeCentre), "build edge-centre first: \(edgeCentre)")
        let dir = try Fixtures.scratchDirectory("centre-link")
        let keyFile = "\(dir)/centre.key"
        let keygen = try Tool.run(edgeCentre, ["keygen", "--output", keyFile])
        let recipient = try AgeRecipient(parsing: String((keygen.stdout.split(separator: " ").last ?? "").filter { !$0.isWhitespace }))
        try encrypt(Array("footage".utf8), to: recipient, path: "\(dir)/seg.mkv.age")
        // Someone plants OUT.partial as a link to a file of theirs.
        try writeFile("\(dir)/theirs", Array("untouched".utf8))
        #expect(symlink("\(dir)/theirs", "\(dir)/seg.mkv.partial") == 0)
        let refused = try Tool.run(edgeCentre, ["decrypt", "--identity", keyFile, "\(dir)/seg.mkv.age"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("seg.mkv.partial"), "\(refused.stderr)")
        #expect(try FileSystem.readFile("\(dir)/theirs") == Array("untouched".utf8))
        #expect(!FileSystem.exists("\(dir)/seg.mkv"))
        // The link is left for the operator to look at, and once gone the decryption works.
        unlink("\(dir)/seg.mkv.partial")
        #expect(try Tool.run(edgeCentre, ["decrypt", "--identity", keyFile, "\(dir)/seg.mkv.age"]).status == 0)
        #expect(try FileSystem.readFile("\(dir)/seg.mkv") == Array("footage".utf8))
    }

    @Test func verifyExitsZeroOnlyForAnIntactChain() throws {
        let gw = try GatewayFixture()
        let first = try gw.segment()
        try gw.gap()
        try gw.segment()
        let intact = try Tool.run(edgeCentre, ["verify", gw.store, "--gateway-key", gw.key.publicKey.base64])
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
        #expect(intact.stdout.hasPrefix("chain of custody: INTACT"))
        try writeFile("\(gw.root)/gateway.pub", Array(gw.key.publicKey.fileText.utf8))
        try FileSystem.remove(gw.path(first))
        let broken = try Tool.run(edgeCentre, ["verify", gw.store, "--gateway-key", "\(gw.root)/gateway.pub", "--json"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("\"intact\": false"))
        #expect(try Tool.run(edgeCentre, ["verify", gw.store, "--gateway-key", "not-a-key"]).status != 0)
    }
}
