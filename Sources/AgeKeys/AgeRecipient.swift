/// An X25519 recipient: the public key a file is encrypted to, written `age1…`.
public struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte X25519 public key.
    public let publicKey: [UInt8]

    /// Parses `age1…` (Bech32; age writes it in lowercase and so do we).
    public init(parsing text: String) throws(AgeError) {
        publicKey = try Bech32.decodeKey(text, hrp: "age", kind: "age recipient (age1…)")
    }

    package init(publicKey: [UInt8]) {
        precondition(publicKey.count == 32)
        self.publicKey = publicKey
    }

    public var encoded: String { Bech32.encode(hrp: "age", data: publicKey) }
    public var description: String { encoded }
}

extension Bech32 {
    /// The 32 bytes of an X25519 key written with human-readable part `hrp`.
    package static func decodeKey(_ text: String, hrp expected: String, kind: String) throws(AgeError) -> [UInt8] {
        let (hrp, data) = try decode(text.trimmingASCIIWhitespace)
        guard hrp == expected else {
            throw AgeError(.invalidKey, "'\(hrp)1…' is not an \(kind)")
        }
        guard data.count == 32 else {
            throw AgeError(.invalidKey, "an \(kind) holds 32 bytes, this one \(data.count)")
        }
        return data
    }
}

extension String {
    package var trimmingASCIIWhitespace: String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 32 || ($0 >= 9 && $0 <= 13) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
