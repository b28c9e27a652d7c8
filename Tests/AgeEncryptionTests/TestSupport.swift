import EdgeCore
import EdgeSystem

@testable import AgeEncryption
import EdgeCrypto

/// A sink that keeps everything in memory.
final class CollectingSink: ByteSink {
    var bytes: [UInt8] = []
    var flushes = 0
    func write(_ buffer: UnsafeRawBufferPointer) throws { bytes += buffer }
    func flush() throws { flushes += 1 }
}

/// A sink that writes to a file; `flush` syncs it.
final class FileSink: ByteSink {
    let file: FileDescriptor
    init(path: String) throws {
        file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
    }
    func write(_ buffer: UnsafeRawBufferPointer) throws { try file.writeAll(buffer) }
    func flush() throws { try file.sync() }
    func close() throws { try file.close() }
}

/// A sink that hashes what it receives and counts it.
final class HashingSink: ByteSink {
    let digest: Digest
    var count: Int64 { digest.count }
    init() throws { digest = try Digest(.sha256) }
    func write(_ buffer: UnsafeRawBufferPointer) throws { try digest.update(buffer) }
    func flush() throws {}
    func hexDigest() throws -> String { Hex.encode(try digest.finish()) }
}

func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

/// A private temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/age-tests-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit { _ = system("rm -rf '\(path)'") }
    func file(_ name: String) -> String { "\(path)/\(name)" }
}

/// Deterministic test data that is not all one byte, so misplaced chunks show.
func pattern(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed &* 2_654_435_761 | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state)
    }
}

func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
    let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
    try file.writeAll(bytes)
    try file.close()
}

/// Encrypts `plaintext` with our writer, in pieces of `piece` bytes.
func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient], piece: Int = 10_000) throws -> [UInt8] {
    let sink = CollectingSink()
    let writer = try AgeWriter(recipients: recipients, output: sink)
    var offset = 0
    while offset < plaintext.count {
        let end = min(offset + piece, plaintext.count)
        try plaintext[offset..<end].withUnsafeBytes { try writer.write($0) }
        offset = end
    }
    try writer.finish()
    try writer.flush()
    return sink.bytes
}

/// Decrypts `file` with our reader.
func decrypt(_ file: [UInt8], with identities: [AgeIdentity], salvage: Bool = false) throws -> ([UInt8], AgeDecryptionResult) {
    let sink = CollectingSink()
    let result = try AgeReader(identities: identities).decrypt(from: ByteArraySource(file), to: sink, salvage: salvage)
    return (sink.bytes, result)
}

/// Runs a shell command line (paths are ours, without quotes); returns its exit status.
@discardableResult
func shell(_ command: String) -> Int32 {
    let status = system(command)
    return status == -1 ? -1 : (status >> 8) & 0xff
}

/// Whether the Debian `age` tools are installed.
let ageInstalled = shell("command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1") == 0
