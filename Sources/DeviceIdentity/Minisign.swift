import COpenSSL
import EdgeCrypto

/// A minisign public key: `untrusted comment:` line, then base64 of "Ed", the 8-byte key
/// id and the 32-byte Ed25519 key. `minisign -V -P <base64>` takes the second line alone.
public struct MinisignPublicKey: Sendable, Hashable {
    public let keyID: [UInt8]
    public let key: [UInt8]

    public init(keyID: [UInt8], key: [UInt8]) {
        precondition(keyID.count == 8 && key.count == 32)
        self.keyID = keyID
        self.key = key
    }

    /// Parses a public key file, or its base64 line alone.
    public init(parsing text: String) throws(DeviceIdentityError) {
        let lines = minisignLines(text).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace }.filter { !$0.isEmpty }
        guard let line = lines.first(where: { !$0.utf8.starts(with: "untrusted comment:".utf8) }),
            let bytes = Base64.decode(line.utf8, padded: true), bytes.count == 42,
            bytes[0] == UInt8(ascii: "E"), bytes[1] == UInt8(ascii: "d")
        else {
            throw DeviceIdentityError(.malformedMinisign, "not a minisign Ed25519 public key (expected base64 of 'Ed', key id, key)")
        }
        self.init(keyID: Array(bytes[2..<10]), key: Array(bytes[10...]))
    }

    /// The key id as minisign prints it: hex of the little-endian 64-bit number.
    public var keyIDHex: String { Self.hex(keyID: keyID) }

    /// A key id (from a signature) as minisign prints it.
    public static func hex(keyID: [UInt8]) -> String { Hex.encode(keyID.reversed(), uppercase: true) }

    /// The base64 line (what `minisign -P` takes).
    public var base64: String { Base64.encode(Array("Ed".utf8) + keyID + key, padded: true) }

    /// The whole `.pub` file.
    public var fileText: String { "untrusted comment: minisign public key \(keyIDHex)\n\(base64)\n" }
}

/// A minisign signature file:
///
///     untrusted comment: <text>
///     base64(algorithm "Ed" or "ED" ‖ key id ‖ 64-byte signature)
///     trusted comment: <text>
///     base64(64-byte global signature over signature ‖ trusted comment)
public struct MinisignSignature: Sendable, Hashable {
    public enum Algorithm: Sendable, Hashable {
        /// `Ed`: Ed25519 over the message itself (minisign's legacy format).
        case legacy
        /// `ED`: Ed25519 over BLAKE2b-512 of the message (minisign's default since 0.8).
        case prehashed
    }

    public var algorithm: Algorithm
    public var keyID: [UInt8]
    public var signature: [UInt8]
    public var untrustedComment: String
    public var trustedComment: String
    public var globalSignature: [UInt8]

    public init(parsing text: String) throws(DeviceIdentityError) {
        let lines = minisignLines(text)
        guard lines.count >= 4, let untrusted = remainder(of: lines[0], after: "untrusted comment: "),
            let trusted = remainder(of: lines[2], after: "trusted comment: "),
            lines.dropFirst(4).allSatisfy({ String(decoding: $0, as: UTF8.self).trimmingWhitespace.isEmpty })
        else {
            throw DeviceIdentityError(.malformedMinisign, "not a minisign signature file (expected 4 lines: untrusted comment, signature, trusted comment, global signature)")
        }
        guard let first = Base64.decode(String(decoding: lines[1], as: UTF8.self).trimmingWhitespace.utf8, padded: true),
            first.count == 74,
            let global = Base64.decode(String(decoding: lines[3], as: UTF8.self).trimmingWhitespace.utf8, padded: true),
            global.count == 64
        else {
            throw DeviceIdentityError(.malformedMinisign, "a minisign signature line is not base64 of the right length")
        }
        switch (first[0], first[1]) {
        case (UInt8(ascii: "E"), UInt8(ascii: "d")): algorithm = .legacy
        case (UInt8(ascii: "E"), UInt8(ascii: "D")): algorithm = .prehashed
        default: throw DeviceIdentityError(.malformedMinisign, "unknown minisign signature algorithm")
        }
        keyID = Array(first[2..<10])
        signature = Array(first[10...])
        untrustedComment = untrusted
        trustedComment = trusted
        globalSignature = global
    }

    init(algorithm: Algorithm, keyID: [UInt8], signature: [UInt8], untrustedComment: String,
         trustedComment: String, globalSignature: [UInt8]) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.signature = signature
        self.untrustedComment = untrustedComment
        self.trustedComment = trustedComment
        self.globalSignature = globalSignature
    }

    /// The `.minisig` file.
    public var fileText: String {
        let tag = Array((algorithm == .prehashed ? "ED" : "Ed").utf8)
        return "untrusted comment: \(untrustedComment)\n\(Base64.encode(tag + keyID + signature, padded: true))\n"
            + "trusted comment: \(trustedComment)\n\(Base64.encode(globalSignature, padded: true))\n"
    }

    /// The bytes the global signature covers: the signature, then the trusted comment.
    var globalSignedBytes: [UInt8] { signature + Array(trustedComment.utf8) }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

/// The lines of a key or signature file, as bytes: split at every LF, each without one CR
/// before it. Not as `Character`s: "\r\n" is one character, which a split at "\n" does
/// not find, and a comment starting with a combining mark would merge with the space
/// before it, so `hasPrefix("trusted comment: ")` would fail on a file minisign accepts.
private func minisignLines(_ text: String) -> [ArraySlice<UInt8>] {
    Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
        $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0
    }
}

/// What follows `prefix` on `line`, or nil when the line does not start with it.
private func remainder(of line: ArraySlice<UInt8>, after prefix: String) -> String? {
    line.starts(with: prefix.utf8) ? String(decoding: line.dropFirst(prefix.utf8.count), as: UTF8.self) : nil
}
