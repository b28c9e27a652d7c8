import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Testing

@testable import Release

@Suite struct SignedConfigTests {
    let fixture: ReleaseFixture
    let config = Array(#"{"gateway":"wrong","segmentSeconds":4,"cameras":[{"id":"gate","source":"test-pattern"}]}"#.utf8)

    init() throws { fixture = try ReleaseFixture(label: "signed-config") }

    func signed(_ gateway: String = "site-042", version: UInt64 = 7) throws -> SignedConfig {
        try SignedConfig.make(config: config, gateway: gateway, version: version, key: fixture.key)
    }

    @Test func aSignedConfigVerifiesForItsGatewayAndNamesIt() throws {
        let made = try signed()
        let checked = try SignedConfig.verify(
            envelope: made.envelope, signature: made.signature, keys: [fixture.key.publicKey], gateway: "site-042")
        #expect(checked == made)
        #expect(checked.version == 7)
        // The config file says which gateway it is for, whatever the input said.
        let file = try JSONParser.parse(checked.configBytes)
        #expect(file["gateway"] == .string("site-042"))
        #expect(file["segmentSeconds"] == .number("4"))
        #expect(checked.configBytes.last == 10)
        #expect(checked.configBytes == SignedConfig.fileBytes(file))
        // The signature file is one minisign reads: prehashed, with the trusted comment.
        #expect(made.signature.contains("trusted comment: edge-recorder config site-042 version 7"))
    }

    @Test func aChangedByteIsRefusedAtTheSignature() throws {
        let made = try signed()
        for index in [0, made.envelope.count / 2, made.envelope.count - 1] {
            var envelope = made.envelope
            envelope[index] ^= 0x01
            do {
                _ = try SignedConfig.verify(envelope: envelope, signature: made.signature, keys: [fixture.key.publicKey], gateway: "site-042")
                Issue.record("a changed byte at \(index) was accepted")
            } catch { #expect(error.code == .signature) }
        }
    }

    @Test func anotherKeyIsNotTrusted() throws {
        let other = try DeviceKey.create(keyFile: "\(fixture.directory)/other.key", role: "release key")
        let made = try SignedConfig.make(config: config, gateway: "site-042", version: 1, key: other)
        do {
            _ = try SignedConfig.verify(envelope: made.envelope, signature: made.signature, keys: [fixture.key.publicKey], gateway: "site-042")
            Issue.record("a config signed by an untrusted key was accepted")
        } catch {
            #expect(error.code == .signature)
            #expect(error.message.contains("not trusted here"))
        }
    }

    @Test func aConfigForAnotherGatewayIsRefused() throws {
        let made = try signed("site-043")
        do {
            _ = try SignedConfig.verify(envelope: made.envelope, signature: made.signature, keys: [fixture.key.publicKey], gateway: "site-042")
            Issue.record("a config for another gateway was accepted")
        } catch {
            #expect(error.code == .wrongGateway)
            #expect(error.message.contains("\"site-043\""))
        }
        // The centre checks before it knows the gateway.
        #expect(try SignedConfig.verify(envelope: made.envelope, signature: made.signature, keys: [fixture.key.publicKey], gateway: nil).gateway == "site-043")
    }

    /// Signed but not what RELEASE.md lays out: refused after the signature, each with the field named.
    @Test(arguments: [
        (#"{"config":{"gateway":"site-042"},"gateway":"site-042","kind":"edge-recorder-config","version":7}"#, ""),
        (#"{"config": {"gateway":"site-042"},"gateway":"site-042","kind":"edge-recorder-config","version":7}"#, "canonical"),
        (#"{"config":{"gateway":"site-042"},"gateway":"site-042","kind":"edge-recorder-release","version":7}"#, "kind"),
        (#"{"config":{"gateway":"site-043"},"gateway":"site-042","kind":"edge-recorder-config","version":7}"#, "same gateway"),
        (#"{"config":[],"gateway":"site-042","kind":"edge-recorder-config","version":7}"#, "same gateway"),
        (#"{"config":{"gateway":"site-042"},"gateway":"site-042","kind":"edge-recorder-config","version":0}"#, "version"),
        (#"{"config":{"gateway":"site-042"},"gateway":"site-042","kind":"edge-recorder-config","version":1.5}"#, "version"),
        (#"{"config":{"gateway":"site-042"},"gateway":"site-042","kind":"edge-recorder-config","version":99999999999999999999}"#, "version"),
        (#"{"config":{"gateway":"site-042"},"extra":1,"gateway":"site-042","kind":"edge-recorder-config","version":7}"#, "exactly"),
        (#"[1,2]"#, "exactly"),
        (#"{"config""#, "not JSON"),
    ])
    func signedButMalformedIsRefusedNamingTheField(text: String, words: String) throws {
        let bytes = Array(text.utf8)
        let signature = try fixture.key.sign(bytes, trustedComment: "test").fileText
        if words.isEmpty {
            #expect(try SignedConfig.verify(envelope: bytes, signature: signature, keys: [fixture.key.publicKey], gateway: "site-042").version == 7)
            return
        }
        do {
            _ = try SignedConfig.verify(envelope: bytes, signature: signature, keys: [fixture.key.publicKey], gateway: "site-042")
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == .malformedManifest)
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    @Test func sizesAreCheckedBeforeTheSignature() throws {
        let made = try signed()
        let huge = [UInt8](repeating: 0x20, count: SignedConfig.maxEnvelopeBytes + 1)
        #expect(throws: ReleaseError.self) {
            try SignedConfig.verify(envelope: huge, signature: made.signature, keys: [fixture.key.publicKey], gateway: "site-042")
        }
        #expect(throws: ReleaseError.self) {
            try SignedConfig.verify(envelope: [], signature: made.signature, keys: [fixture.key.publicKey], gateway: "site-042")
        }
        let long = String(repeating: "x", count: SignedConfig.maxSignatureBytes + 1)
        do {
            _ = try SignedConfig.verify(envelope: made.envelope, signature: long, keys: [fixture.key.publicKey], gateway: "site-042")
            Issue.record("a signature over \(SignedConfig.maxSignatureBytes) bytes was accepted")
        } catch { #expect(error.code == .signature) }
    }

    @Test func makingRefusesWhatNoGatewayWouldAccept() throws {
        for (gateway, version, input) in [("Site 42", UInt64(1), config), ("site-042", 0, config), ("site-042", 1, Array("[]".utf8)), ("site-042", 1, Array("{".utf8))] {
            #expect(throws: ReleaseError.self) { try SignedConfig.make(config: input, gateway: gateway, version: version, key: fixture.key) }
        }
    }
}
