import EdgeSystem
import Testing

@testable import DeviceIdentity

/// A private temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/device-identity-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit { _ = system("rm -rf '\(path)'") }
    func file(_ name: String) -> String { "\(path)/\(name)" }
}

/// Runs a command line (our own paths, no quoting needed); returns its exit status.
func shell(_ command: String) -> Int32 {
    let status = system(command)
    return status == -1 ? -1 : (status >> 8) & 0xff
}

func writeText(_ path: String, _ text: String) throws {
    let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
    try file.writeAll(Array(text.utf8))
    try file.close()
}

let minisignInstalled = shell("command -v minisign >/dev/null 2>&1") == 0
let manifest = Array(#"{"camera":"cam1","gateway":"gw-0042","sequence":17}"#.utf8)

@Suite struct DeviceKeyTests {
    @Test func firstStartCreatesA0600KeyAndLaterStartsReuseIt() throws {
        let directory = TemporaryDirectory()
        let state = directory.file("state/edge-recorder")
        let first = try DeviceKey.loadOrCreate(stateDirectory: state)
        #expect(first.wasCreated)
        var info = stat()
        #expect(stat("\(state)/\(DeviceKey.fileName)", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let bytes = try FileSystem.readFile("\(state)/\(DeviceKey.fileName)")

        let second = try DeviceKey.loadOrCreate(stateDirectory: state)
        #expect(!second.wasCreated)
        #expect(second.publicKey == first.publicKey)
        #expect(try FileSystem.readFile("\(state)/\(DeviceKey.fileName)") == bytes)
        // No temporary file is left behind.
        #expect(try FileSystem.list(state) == [DeviceKey.fileName])
    }

    @Test func aDamagedKeyIsReportedNotReplaced() throws {
        let directory = TemporaryDirectory()
        try writeText(directory.file(DeviceKey.fileName), "not a key\n")
        let error = #expect(throws: DeviceIdentityError.self) {
            try DeviceKey.loadOrCreate(stateDirectory: directory.path)
        }
        #expect(error?.code == .malformedKeyFile)
        #expect(try FileSystem.readFile(directory.file(DeviceKey.fileName)) == Array("not a key\n".utf8))
    }

    @Test func opensslReadsTheKeyFile() throws {
        let directory = TemporaryDirectory()
        _ = try DeviceKey.loadOrCreate(stateDirectory: directory.path)
        #expect(shell("openssl pkey -in \(directory.file(DeviceKey.fileName)) -noout 2>/dev/null") == 0)
    }

    @Test func signaturesVerifyAndTamperingIsNamed() throws {
        let directory = TemporaryDirectory()
        let key = try DeviceKey.loadOrCreate(stateDirectory: directory.path)
        let signature = try key.sign(manifest, trustedComment: "timestamp:1795000000\tfile:seg-17.json")
        #expect(signature.algorithm == .prehashed)
        let publicKey = key.publicKey.fileText
        let verify = { (message: [UInt8], file: String) in
            MinisignVerifier.verify(message: message, signatureFile: file, publicKey: publicKey)
        }
        #expect(verify(manifest, signature.fileText) == .valid(trustedComment: "timestamp:1795000000\tfile:seg-17.json"))
        #expect(try MinisignPublicKey(parsing: publicKey) == key.publicKey)
        #expect(try MinisignSignature(parsing: signature.fileText) == signature)

        var message = manifest
        message[5] ^= 1
        #expect(verify(message, signature.fileText) == .rejected(.messageSignature))
        var changedSignature = signature
        changedSignature.signature[10] ^= 1
        #expect(verify(manifest, changedSignature.fileText) == .rejected(.messageSignature))
        var changedComment = signature
        changedComment.trustedComment = "timestamp:1795000001\tfile:seg-17.json"
        #expect(verify(manifest, changedComment.fileText) == .rejected(.trustedComment))
        var otherKey = signature
        otherKey.keyID[0] ^= 1
        #expect(verify(manifest, otherKey.fileText) == .rejected(.keyIDMismatch))
        #expect(verify(manifest, "garbage") == .rejected(.malformedSignature))
        #expect(MinisignVerifier.verify(message: manifest, signatureFile: signature.fileText, publicKey: "RWQ")
            == .rejected(.malformedPublicKey))
        #expect(throws: DeviceIdentityError.self) { try key.sign(manifest, trustedComment: "two\nlines") }
    }

    /// Found by Fuzz/fuzz-manifest (regressions/signature-comment-starting-with-a-combining-mark):
    /// files were read as `Character`s, so a trusted comment starting with a combining mark
    /// merged with the space before it and our own signature did not read back, and "\r\n"
    /// was one character that the split at "\n" missed.
    @Test func signatureFilesAreReadAsBytes() throws {
        let directory = TemporaryDirectory()
        let key = try DeviceKey.loadOrCreate(stateDirectory: directory.path)
        for comment in ["\u{342}s", "\u{301}", "e\u{301} \u{301}"] {
            let signature = try key.sign(manifest, trustedComment: comment)
            #expect(try MinisignSignature(parsing: signature.fileText) == signature)
            #expect(MinisignVerifier.verify(message: manifest, signatureFile: signature.fileText, publicKey: key.publicKey.fileText)
                == .valid(trustedComment: comment))
        }
        let signature = try key.sign(manifest, trustedComment: "t")
        let crlf = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n") }
        #expect(try MinisignSignature(parsing: crlf(signature.fileText)) == signature)
        #expect(try MinisignPublicKey(parsing: crlf(key.publicKey.fileText)) == key.publicKey)
    }

    @Test func smallOrderPublicKeysAreRefused() throws {
        let directory = TemporaryDirectory()
        let key = try DeviceKey.loadOrCreate(stateDirectory: directory.path)
        let signature = try key.sign(manifest, trustedComment: "t")
        let identityPoint = MinisignPublicKey(keyID: key.publicKey.keyID, key: [1] + [UInt8](repeating: 0, count: 31))
        #expect(MinisignVerifier.verify(message: manifest, signature: signature, publicKey: identityPoint)
            == .rejected(.weakEncoding))
        #expect(MinisignVerifier.isCanonical(key.publicKey.key))
        #expect(!MinisignVerifier.isCanonical([0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f]))
    }
}

/// The signatures as the world reads them: `minisign -V` (Debian package `minisign`).
@Suite(.enabled(if: minisignInstalled, "minisign is not installed (apt-get install -y minisign); interop not tested"))
struct MinisignInteropTests {
    @Test func minisignVerifiesOurSignaturesAndRejectsChangedOnes() throws {
        let directory = TemporaryDirectory()
        let key = try DeviceKey.loadOrCreate(stateDirectory: directory.path)
        let signature = try key.sign(manifest, trustedComment: "timestamp:1795000000\tfile:manifest.json")
        let (message, sig, pub) = (directory.file("manifest.json"), directory.file("manifest.json.minisig"), directory.file("device.pub"))
        try writeText(message, String(decoding: manifest, as: UTF8.self))
        try writeText(sig, signature.fileText)
        try writeText(pub, key.publicKey.fileText)
        let verify = "minisign -V -q -m \(message) -x \(sig)"
        #expect(shell("\(verify) -P \(key.publicKey.base64)") == 0)
        #expect(shell("\(verify) -p \(pub) -H") == 0)  // -H: prehashed required

        // A changed byte in the message, the signature, the trusted comment.
        var changed = manifest
        changed[3] ^= 1
        try writeText(message, String(decoding: changed, as: UTF8.self))
        #expect(shell("\(verify) -p \(pub) 2>/dev/null") != 0)
        try writeText(message, String(decoding: manifest, as: UTF8.self))
        var badSignature = signature
        badSignature.signature[0] ^= 1
        try writeText(sig, badSignature.fileText)
        #expect(shell("\(verify) -p \(pub) 2>/dev/null") != 0)
        var badComment = signature
        badComment.trustedComment += "x"
        try writeText(sig, badComment.fileText)
        #expect(shell("\(verify) -p \(pub) 2>/dev/null") != 0)
    }

    @Test(arguments: [false, true])
    func ourVerifierAcceptsMinisignSignatures(legacy: Bool) throws {
        let directory = TemporaryDirectory()
        let (pub, sec, message) = (directory.file("k.pub"), directory.file("k.key"), directory.file("m.json"))
        try #require(shell("minisign -G -W -p \(pub) -s \(sec) >/dev/null 2>&1") == 0)
        try writeText(message, String(decoding: manifest, as: UTF8.self))
        try #require(shell("minisign -S \(legacy ? "-l" : "") -s \(sec) -m \(message) -t 'made by minisign' >/dev/null 2>&1") == 0)
        let signatureText = String(decoding: try FileSystem.readFile("\(message).minisig"), as: UTF8.self)
        let publicText = String(decoding: try FileSystem.readFile(pub), as: UTF8.self)
        #expect(try MinisignSignature(parsing: signatureText).algorithm == (legacy ? .legacy : .prehashed))
        #expect(MinisignVerifier.verify(message: manifest, signatureFile: signatureText, publicKey: publicText)
            == .valid(trustedComment: "made by minisign"))
        var changed = manifest
        changed[0] ^= 1
        #expect(MinisignVerifier.verify(message: changed, signatureFile: signatureText, publicKey: publicText)
            == .rejected(.messageSignature))
    }
}
