import Testing

@testable import AgeEncryption

/// Bad keys and bad files give an `AgeError`, never a crash.
@Suite struct MalformedInputTests {
    static let recipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

    @Test func goodRecipientParses() throws {
        #expect(try AgeRecipient(parsing: Self.recipient).encoded == Self.recipient)
    }

    @Test(arguments: [
        "", "age1", "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk",  // checksum
        "Age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",  // mixed case
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwb",  // 'b' not Bech32
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  // valid Bech32, wrong HRP
        "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0",  // identity, not recipient
        "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "age1\u{e9}",
    ])
    func badRecipientIsRejected(_ text: String) {
        let error = #expect(throws: AgeError.self) { try AgeRecipient(parsing: text) }
        #expect(error?.code == .invalidKey)
    }

    @Test(arguments: [
        "", Self.recipient, "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM1",
        "AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7PU2LHT8EH9W6YLNC3SW78XKG",
    ])
    func badIdentityIsRejected(_ text: String) {
        #expect(throws: AgeError.self) { try AgeIdentity(parsing: text) }
    }

    @Test func keyFileWithoutKeysIsRejected() {
        #expect(throws: AgeError.self) { try AgeIdentity.parseKeyFile("# created: now\n\n") }
        let error = #expect(throws: AgeError.self) { try AgeIdentity.parseKeyFile("# x\nAGE-SECRET-KEY-1XYZ\n") }
        #expect(error?.message.hasPrefix("key file line 2:") == true)
    }

    @Test(arguments: [
        "age-encryption.org/v1\n-> X25519\n\n--- AAAA\n",  // stanza without its share
        "age-encryption.org/v1\n->X25519 abc\n\n--- AAAA\n",  // no space after ->
        "age-encryption.org/v1\n-> X25519  abc\n\n--- AAAA\n",  // empty argument
        "age-encryption.org/v1\n-> X25519 abc\n!!!!\n--- AAAA\n",  // body not base64
        "age-encryption.org/v1\n",  // short header
        "age-encryption.org/v1",  // no newline
        "age-encryption.org/v2\n--- AAAA\n",
        "age-encryption.org/v1\n--- \n",
        "not an age file at all",
        "\u{0}\u{1}\u{2}",
    ])
    func badFileIsRejected(_ text: String) throws {
        let identity = try AgeIdentity.generate()
        #expect(throws: AgeError.self) { try decrypt(Array(text.utf8), with: [identity]) }
    }

    @Test func everyPrefixAndEveryBitFlipOfAHeaderFails() throws {
        let identity = try AgeIdentity.generate()
        let file = try encrypt([1, 2, 3], to: [identity.recipient, AgeIdentity.generate().recipient])
        for length in 0..<file.count {
            #expect(throws: AgeError.self) { try decrypt(Array(file[..<length]), with: [identity]) }
        }
        for offset in 0..<headerLength(file) {
            for bit in 0..<8 {
                var damaged = file
                damaged[offset] ^= 1 << bit
                #expect(throws: AgeError.self) { try decrypt(damaged, with: [identity]) }
            }
        }
    }
}
