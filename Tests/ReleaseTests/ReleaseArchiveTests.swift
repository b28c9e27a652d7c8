import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import Foundation
import TestSupport
import Testing

@testable import Release

@Suite struct ReleaseArchiveTests {
    @Test func aReleaseVerifiesAndExtractsByteForByteWithItsModes() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let slot = "\(f.directory)/slot-b"
        try FileSystem.makeDirectories(slot)
        let release = try ReleaseReader.read(path: path, trust: f.trust(), extractingInto: slot)
        #expect(release.manifest.version == "1.2.0")
        #expect(release.manifest.files.map(\.path) == ["bin/edge-recorderd", "etc/default.json"])
        #expect(release.archiveSize == (try FileSystem.size(path)))
        #expect(try f.bytes("\(slot)/bin/edge-recorderd") == f.daemon)
        #expect(try f.bytes("\(slot)/etc/default.json") == f.config)
        var info = stat()
        stat("\(slot)/bin/edge-recorderd", &info)
        #expect(info.st_mode & 0o777 == 0o755)
        stat("\(slot)/etc/default.json", &info)
        #expect(info.st_mode & 0o777 == 0o644)
        #expect(release.manifest.files[0].sha256 == SHA256.hash(f.daemon))
    }

    @Test(.enabled(if: Tool.available("tar") && Tool.available("minisign")))
    func tarOpensItAndMinisignChecksItsManifest() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let out = "\(f.directory)/untarred"
        try FileSystem.makeDirectories(out)
        #expect(try Tool.run("tar", ["-xf", path, "-C", out]).status == 0)
        #expect(try f.bytes("\(out)/bin/edge-recorderd") == f.daemon)
        try Fixtures.write(Array(f.key.publicKey.fileText.utf8), to: "\(f.directory)/release.pub")
        let check = try Tool.run("minisign", ["-Vm", "\(out)/release.json", "-p", "\(f.directory)/release.pub"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("edge-recorder release 1.2.0 security 5 board qemu-x86_64"))
    }

    @Test func theSameInputsMakeTheSameBytesExceptTheSignature() throws {
        let f = try ReleaseFixture()
        let a = try f.bytes(try f.make("a.tar"))
        let b = try f.bytes(try f.make("b.tar"))
        #expect(a.count == b.count)
        #expect(a.count % 10240 == 0)
        // Ed25519 is deterministic: the whole archive is the same.
        #expect(a == b)
    }

    @Test func anExistingOutputIsNeverReplaced() throws {
        let f = try ReleaseFixture()
        let path = try f.make()
        let before = try f.bytes(path)
        #expect(throws: ReleaseError.self) { try f.make() }
        #expect(try f.bytes(path) == before)
        #expect(!FileSystem.exists(path + ".partial"))
    }

    @Test(arguments: ["../etc/passwd", "/bin/x", "bin/.hidden", "bin//x", "release.json", "", "a/b/c/d/e/f/g/h/i"])
    func aPathThatCannotBeInASlotIsRefusedWhenMaking(_ bad: String) throws {
        let f = try ReleaseFixture()
        let inputs = [ReleaseArchive.Input(source: "\(f.directory)/default.json", path: bad)]
        do {
            try ReleaseArchive.make(f.description(), files: inputs, key: f.key, output: "\(f.directory)/bad.tar")
            Issue.record("made a release with path \(bad)")
        } catch {
            #expect(error.code == .input)
            #expect(error.message.contains("cannot be a path in a slot"))
        }
        #expect(!FileSystem.exists("\(f.directory)/bad.tar"))
    }

    @Test func aDirectoryOrAMissingFileIsRefusedWhenMaking() throws {
        let f = try ReleaseFixture()
        for source in [f.directory, "\(f.directory)/missing"] {
            let inputs = [ReleaseArchive.Input(source: source, path: "bin/x")]
            #expect(throws: ReleaseError.self) {
                try ReleaseArchive.make(f.description(), files: inputs, key: f.key, output: "\(f.directory)/bad.tar")
            }
        }
    }

    @Test func expiryBeforeCreationIsRefusedWhenMaking() throws {
        let f = try ReleaseFixture()
        #expect(throws: ReleaseError.self) { try f.make("x.tar", f.description(days: -1)) }
    }
}
