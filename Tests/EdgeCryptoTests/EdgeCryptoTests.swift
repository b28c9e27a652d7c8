import COpenSSL
import EdgeCrypto
import Testing

/// The one crypto module: its codecs are strict (one text per byte string), its digests
/// match the published vectors, and a failed libcrypto call carries the whole queue.
@Suite struct EdgeCryptoTests {
    @Test(arguments: [("", "", ""), ("f", "Zg==", "Zg"), ("fo", "Zm8=", "Zm8"), ("foo", "Zm9v", "Zm9v"),
                      ("foob", "Zm9vYg==", "Zm9vYg"), ("fooba", "Zm9vYmE=", "Zm9vYmE"), ("foobar", "Zm9vYmFy", "Zm9vYmFy")])
    func base64MatchesRFC4648(plain: String, padded: String, unpadded: String) {
        #expect(Base64.encode(Array(plain.utf8), padded: true) == padded)
        #expect(Base64.encode(Array(plain.utf8), padded: false) == unpadded)
        #expect(Base64.decode(padded.utf8, padded: true) == Array(plain.utf8))
        #expect(Base64.decode(unpadded.utf8, padded: false) == Array(plain.utf8))
    }

    @Test(arguments: ["Zh==", "Zg=", "Zg", "Z===", "Zg==Zg==", " Zg==", "Zg==\n", "Zm9v\r\n", "Zg=a", "Zm-_", "Zg=="])
    func base64RefusesEveryOtherSpelling(text: String) {
        // "Zg==" decodes padded; only its unpadded reading is refused.
        if text == "Zg==" {
            #expect(Base64.decode(text.utf8, padded: false) == nil)
        } else {
            #expect(Base64.decode(text.utf8, padded: true) == nil, "\(text)")
        }
    }

    @Test func hexIsLowercaseAndStrict() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.encode([0xab], uppercase: true) == "AB")
        #expect(Hex.decode("00abff") == [0x00, 0xab, 0xff])
        for bad in ["0", "AB", "0g", " 00", "0x00"] { #expect(Hex.decode(bad) == nil, "\(bad)") }
    }

    @Test func digestsMatchPublishedVectors() throws {
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Hex.encode(try BLAKE2b512.hash(Array("abc".utf8)))
                == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        // Streaming gives the same as one go, whatever the pieces.
        let digest = try Digest(.sha256)
        for piece in ["a", "", "bc"] { try digest.update(Array(piece.utf8)) }
        #expect(digest.count == 3)
        #expect(try digest.finish() == SHA256.hash(Array("abc".utf8)))
    }

    @Test func aFailedCallDrainsTheWholeQueue() {
        // A raw Ed25519 key of 3 bytes: libcrypto refuses it and queues why.
        let short: [UInt8] = [1, 2, 3]
        #expect(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, short, short.count) == nil)
        let error = OpenSSLError("EVP_PKEY_new_raw_public_key")
        #expect(!error.codes.isEmpty && error.codes.count == error.reasons.count)
        #expect(error.message.hasPrefix("EVP_PKEY_new_raw_public_key failed: error:"), "\(error.message)")
        #expect(ERR_peek_error() == 0)
        #expect(!error.isRetryable)
    }

    @Test func randomBytesDiffer() throws {
        #expect(try secureRandom(32) != secureRandom(32))
        #expect(try secureRandom(0).isEmpty)
    }
}
