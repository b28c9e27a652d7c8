@_exported import AgeKeys
import EdgeSystem

/// An X25519 identity: the secret key that decrypts files for its recipient, written
/// `AGE-SECRET-KEY-1…`.
///
/// Its description shows only the recipient, so logging an identity leaks nothing.
public struct AgeIdentity: Sendable, Hashable, CustomStringConvertible {
    let secretKey: [UInt8]
    /// The recipient that encrypts to this identity.
    public let recipient: AgeRecipient

    /// A new identity from the system's random generator.
    public static func generate() throws(AgeError) -> AgeIdentity {
        try AgeIdentity(secretKey: randomBytes(32))
    }

    /// Parses `AGE-SECRET-KEY-1…` (Bech32, uppercase as age writes it; lowercase accepted).
    public init(parsing text: String) throws(AgeError) {
        try self.init(secretKey: Bech32.decodeKey(text, hrp: "age-secret-key-", kind: "age identity (AGE-SECRET-KEY-1…)"))
    }

    init(secretKey: [UInt8]) throws(AgeError) {
        self.secretKey = secretKey
        recipient = AgeRecipient(publicKey: try X25519Key(privateKey: secretKey).publicKey)
    }

    public var encoded: String { Bech32.encode(hrp: "age-secret-key-", data: secretKey).uppercased() }
    public var description: String { "AgeIdentity(\(recipient.encoded))" }
}

extension AgeIdentity {
    /// The identity in the file format `age-keygen` writes and `age -d -i FILE` reads:
    ///
    ///     # created: 2026-11-29T10:00:00Z
    ///     # public key: age1…
    ///     AGE-SECRET-KEY-1…
    ///
    /// `created` is seconds since 1970 (UTC); the comment lines are informational only.
    public func keyFile(created: Int64) -> String {
        "# created: \(WallTime(clampingSeconds: created, nanoseconds: 0).rfc3339Seconds)\n# public key: \(recipient.encoded)\n\(encoded)\n"
    }

    /// Every identity in a key file: one per non-comment line; `#` lines and blank lines
    /// are skipped, as age does.
    public static func parseKeyFile(_ text: String) throws(AgeError) -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = String(line).trimmingASCIIWhitespace
            if content.isEmpty || content.hasPrefix("#") { continue }
            do throws(AgeError) {
                identities.append(try AgeIdentity(parsing: content))
            } catch {
                throw AgeError(.invalidKey, "key file line \(index + 1): \(error.message)")
            }
        }
        guard !identities.isEmpty else {
            throw AgeError(.invalidKey, "the key file holds no AGE-SECRET-KEY-1… line")
        }
        return identities
    }
}
