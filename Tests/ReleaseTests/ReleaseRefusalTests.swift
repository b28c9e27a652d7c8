import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import Foundation
import TestSupport
import Testing

@testable import Release

/// Every way a gateway refuses a release: the code, a message that says what and why, and
/// nothing written when no target was given.
@Suite struct ReleaseRefusalTests {
    @Test func aChangedFileIsRefusedNamingTheFile() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let bad = try f.altered(path, as: "bad.tar") { $0[$0.header(of: "bin/edge-recorderd")! + 512 + 1000] ^= 1 }
        let error = try #require(f.refusal(bad, f.trust()))
        #expect(error.code == .fileMismatch)
        #expect(error.message.contains("bin/edge-recorderd"))
        #expect(error.message.contains("not the signed"))
    }

    @Test func aChangedManifestIsRefusedBeforeItIsRead() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        // Raise the security version in the signed text: same length, so only the signature tells.
        let bad = try f.altered(path, as: "bad.tar") { bytes in
            let at = bytes.offset(of: #""securityVersion":5"#)! + #""securityVersion":"#.utf8.count
            bytes[at] = UInt8(ascii: "9")
        }
        let error = try #require(f.refusal(bad, f.trust()))
        #expect(error.code == .signature)
        #expect(error.message.contains("does not verify"))
    }

    @Test func aReleaseSignedByAnotherKeyIsRefusedNamingBothKeys() throws {
        let f = try ReleaseFixture()
        let other = try DeviceKey.create(keyFile: "\(f.directory)/other.key", role: "release key")
        let path = try f.make("other.tar", signer: other)
        let error = try #require(f.refusal(path, f.trust()))
        #expect(error.code == .signature)
        #expect(error.message.contains(other.publicKey.keyIDHex))
        #expect(error.message.contains(f.key.publicKey.keyIDHex))
    }

    @Test func aSignatureLineForTheRightKeyWithAnotherSignatureIsRefused() throws {
        let f = try ReleaseFixture()
        let a = try f.bytes(try f.make("a.tar"))
        let b = try f.bytes(try f.make("b.tar", f.description(version: "1.2.1")))
        // Put b's signature (a valid one, over other bytes) into a.
        let at = a.offset(of: "untrusted comment: ")!, bt = b.offset(of: "untrusted comment: ")!
        var mixed = a
        mixed.replaceSubrange(at..<(at + 369), with: b[bt..<(bt + 369)])
        let path = "\(f.directory)/mixed.tar"
        try Fixtures.write(mixed, to: path)
        #expect(f.refusal(path, f.trust())?.code == .signature)
    }

    @Test func anExpiredReleaseIsRefused() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let error = try #require(f.refusal(path, f.trust(now: f.created + .seconds(31 * 86400))))
        #expect(error.code == .expired)
        #expect(error.message.contains("expired at 2026-12-31T00:00:00Z"))
    }

    @Test func aLowerSecurityVersionIsRefusedAndTheSameOneIsAccepted() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let error = try #require(f.refusal(path, f.trust(installed: 6)))
        #expect(error.code == .downgrade)
        #expect(error.message.contains("security version 5, below the installed 6"))
        #expect(f.refusal(path, f.trust(installed: 5)) == nil)
    }

    @Test func aReleaseForAnotherBoardIsRefused() throws {
        let f = try ReleaseFixture()
        let path = try f.make("rpi.tar", f.description(board: "rpi4"))
        let error = try #require(f.refusal(path, f.trust()))
        #expect(error.code == .wrongBoard)
        #expect(error.message.contains("\"rpi4\"") && error.message.contains("\"qemu-x86_64\""))
    }

    @Test func aReleaseThatCannotReadTheStateIsRefused() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        #expect(f.refusal(path, f.trust(stateFormat: 2))?.code == .stateFormat)
    }

    /// A download cut anywhere is "truncated" (retryable: resume it), and once the rest
    /// is appended the release verifies.
    @Test func aCutDownloadIsTruncatedAndVerifiesOnceResumed() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let whole = try f.bytes(path)
        for cut in [0, 100, 512, 700, 1024 + 512 + 10, 3000, 100_000, whole.count - 10241, whole.count - 1] {
            let part = "\(f.directory)/part-\(cut).tar"
            try Fixtures.write(Array(whole[..<cut]), to: part)
            let error = try #require(f.refusal(part, f.trust()), "cut at \(cut)")
            #expect(error.code == .truncated || (cut < 1536 && error.code == .malformedArchive) || cut == 0, "cut at \(cut): \(error)")
            if cut >= 2048 {
                #expect(error.code == .truncated, "cut at \(cut): \(error)")
                #expect(error.isRetryable)
            }
            let file = try FileDescriptor.open(part, O_WRONLY | O_APPEND)
            try file.writeAll(Array(whole[cut...]))
            try file.close()
            #expect(f.refusal(part, f.trust()) == nil, "resumed from \(cut)")
        }
    }

    @Test func bytesAfterTheReleaseAreRefused() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let bad = try f.altered(path, as: "long.tar") { $0 += [0] }
        let error = try #require(f.refusal(bad, f.trust()))
        #expect(error.code == .malformedArchive)
        #expect(error.message.contains("something follows it"))
    }

    @Test func dataInThePaddingIsRefused() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let bad = try f.altered(path, as: "pad.tar") { $0[$0.count - 1] = 1 }
        #expect(f.refusal(bad, f.trust())?.code == .malformedArchive)
    }

    @Test func aFileHeaderThatDiffersFromTheManifestIsRefused() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        // The executable bit of etc/default.json's header (mode 0644 → 0744), checksum left.
        let bad = try f.altered(path, as: "mode.tar") { $0[$0.header(of: "etc/default.json")! + 100 + 4] = UInt8(ascii: "7") }
        let error = try #require(f.refusal(bad, f.trust()))
        #expect(error.code == .malformedArchive)
        #expect(error.message.contains("etc/default.json"))
    }

    @Test func aHugeManifestSizeInTheFirstHeaderIsRefusedWithoutReadingIt() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let bad = try f.altered(path, as: "huge.tar") { bytes in
            for (n, byte) in "77777777777".utf8.enumerated() { bytes[124 + n] = byte }
        }
        let error = try #require(f.refusal(bad, f.trust()))
        #expect(error.code == .malformedArchive)
        #expect(error.message.contains("at most 65536"))
    }

    @Test func somethingThatIsNotAReleaseIsRefused() throws {
        let f = try ReleaseFixture()
        let path = "\(f.directory)/random.bin"
        try Fixtures.write((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) }, to: path)
        let error = try #require(f.refusal(path, f.trust()))
        #expect(error.code == .malformedArchive)
        #expect(error.message.contains("not an EdgeRecorder release"))
        #expect(f.refusal(f.directory, f.trust())?.code == .storage)
        #expect(f.refusal("/dev/null", f.trust())?.code == .storage)
    }

    /// A full card while extracting is a storage error (retryable), never an accepted
    /// release: the caller switches nothing and removes what was written.
    @Test(.enabled(if: getuid() == 0 && Tool.available("mount")))
    func aFullFilesystemWhileExtractingIsARetryableStorageError() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let small = "\(f.directory)/small"
        try FileSystem.makeDirectories(small)
        #expect(try Tool.run("mount", ["-t", "tmpfs", "-o", "size=128k", "tmpfs", small]).status == 0)
        defer { _ = try? Tool.run("umount", [small]) }
        let error = try #require(f.refusal(path, f.trust(), into: small))
        #expect(error.code == .storage)
        #expect(error.isRetryable)
        #expect(error.message.contains("ENOSPC") || error.message.contains("No space"))
    }

    @Test func theNextReleaseKeyTravelsSignedByTheCurrentOne() throws {
        let f = try ReleaseFixture()
        let next = try DeviceKey.create(keyFile: "\(f.directory)/next.key", role: "release key")
        let path = try f.make("rotate.tar", f.description(next: next.publicKey))
        let release = try ReleaseReader.read(path: path, trust: f.trust())
        #expect(release.manifest.nextReleaseKey == next.publicKey)
        // The next key alone does not yet trust a release the current key signed.
        #expect(f.refusal(path, f.trust(keys: [next.publicKey]))?.code == .signature)
        let later = try f.make("later.tar", f.description(version: "1.3.0", security: 6), signer: next)
        #expect(f.refusal(later, f.trust(keys: [f.key.publicKey, next.publicKey])) == nil)
    }
}
