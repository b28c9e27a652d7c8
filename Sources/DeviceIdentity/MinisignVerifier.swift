/// Which check a minisign signature failed.
public enum MinisignCheck: Sendable, Equatable {
    case malformedPublicKey
    case malformedSignature
    /// The signature names another key id than the public key's.
    case keyIDMismatch
    /// The public key or signature R is a small-order point, or not canonically encoded:
    /// edge cases OpenSSL accepts but libsodium (minisign) rejects.
    case weakEncoding
    /// The signature over the message (or its BLAKE2b-512) does not verify.
    case messageSignature
    /// The global signature over signature and trusted comment does not verify: the
    /// trusted comment was changed.
    case trustedComment
}

public enum MinisignVerification: Sendable, Equatable {
    /// Everything verified; the trusted comment can now be believed.
    case valid(trustedComment: String)
    case rejected(MinisignCheck)
}

/// Verifies minisign signatures as `minisign -V` does: key id, signature over the message
/// (legacy `Ed`) or over its BLAKE2b-512 (`ED`), then the global signature that binds the
/// trusted comment. Also rejects what libsodium rejects and OpenSSL does not, so this
/// verifier never accepts a signature minisign would refuse.
public enum MinisignVerifier {
    public static func verify(
        message: [UInt8], signatureFile: String, publicKey: String
    ) -> MinisignVerification {
        guard let key = try? MinisignPublicKey(parsing: publicKey) else { return .rejected(.malformedPublicKey) }
        guard let signature = try? MinisignSignature(parsing: signatureFile) else {
            return .rejected(.malformedSignature)
        }
        return verify(message: message, signature: signature, publicKey: key)
    }

    public static func verify(
        message: [UInt8], signature: MinisignSignature, publicKey: MinisignPublicKey
    ) -> MinisignVerification {
        guard signature.keyID == publicKey.keyID else { return .rejected(.keyIDMismatch) }
        guard isCanonical(publicKey.key), !hasSmallOrder(publicKey.key),
            !hasSmallOrder(Array(signature.signature[..<32])), !hasSmallOrder(Array(signature.globalSignature[..<32]))
        else { return .rejected(.weakEncoding) }
        do {
            let key = try Ed25519Key(publicKey: publicKey.key)
            let signed = signature.algorithm == .prehashed ? try blake2b512(message) : message
            guard try key.verify(signature.signature, for: signed) else { return .rejected(.messageSignature) }
            guard try key.verify(signature.globalSignature, for: signature.globalSignedBytes) else {
                return .rejected(.trustedComment)
            }
        } catch {
            return .rejected(.malformedPublicKey)  // OpenSSL would not load the key at all
        }
        return .valid(trustedComment: signature.trustedComment)
    }

    /// libsodium's blocklist (`ge25519_has_small_order`): the encodings of the points of
    /// order 1, 2, 4 and 8, compared with the sign bit cleared.
    private static let smallOrder: [[UInt8]] = {
        let orderEight: [UInt8] = [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
            0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
        ]
        let orderEightNegated: [UInt8] = [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
            0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
        ]
        // 0, 1, then p−1, p, p+1 (y values that reduce to order-1, -2 and -4 points).
        let prime = { (low: UInt8) in [low] + [UInt8](repeating: 0xff, count: 30) + [0x7f] }
        let small = { (low: UInt8) in [low] + [UInt8](repeating: 0, count: 31) }
        return [small(0), small(1), orderEight, orderEightNegated, prime(0xec), prime(0xed), prime(0xee)]
    }()

    static func hasSmallOrder(_ point: [UInt8]) -> Bool {
        var cleared = point
        cleared[31] &= 0x7f
        return smallOrder.contains(cleared)
    }

    /// Whether the y coordinate is below p = 2^255 − 19 (`ge25519_is_canonical`).
    static func isCanonical(_ point: [UInt8]) -> Bool {
        guard point[31] & 0x7f == 0x7f, point[1..<31].allSatisfy({ $0 == 0xff }) else { return true }
        return point[0] < 0xed
    }
}
