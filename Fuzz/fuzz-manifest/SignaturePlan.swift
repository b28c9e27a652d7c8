import DeviceIdentity
import FuzzSupport

/// A signature made here with the device key, then edited:
///
///     flags, comment length C, C bytes of trusted comment, message length (2 bytes),
///     the message, then the edits: pairs of (offset in the .minisig text, byte)
///
/// flags & 1: instead, the rest is a .minisig text and, after a NUL, a public key text,
/// checked against the message as given. Otherwise a signature we made verifies, reads
/// back from its file as itself, and no edit makes it verify for anything but what was
/// signed: after edits it is either rejected or still the same signature and comment.
enum SignaturePlan {
    static func run(_ input: inout FuzzInput) {
        let flags = input.byte()
        let comment = String(decoding: input.bytes(Int(input.byte())), as: UTF8.self)
        let message = Array(input.bytes(input.uint16()))
        if flags & 1 != 0 {
            let parts = input.rest().split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            let signatureText = String(decoding: parts[0], as: UTF8.self)
            let keyText = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : deviceKey.publicKey.fileText
            if let signature = try? MinisignSignature(parsing: signatureText) {
                expect((try? MinisignSignature(parsing: signature.fileText)) == signature, "a parsed signature does not print back")
            }
            if let key = try? MinisignPublicKey(parsing: keyText) {
                expect((try? MinisignPublicKey(parsing: key.fileText)) == key && (try? MinisignPublicKey(parsing: key.base64)) == key,
                       "a parsed public key does not print back")
            }
            _ = MinisignVerifier.verify(message: message, signatureFile: signatureText, publicKey: keyText)
            return
        }
        guard let signature = try? deviceKey.sign(message, trustedComment: comment) else {
            expect(comment.contains(where: \.isNewline), "signing refused a one-line comment")
            return
        }
        let file = signature.fileText
        expect((try? MinisignSignature(parsing: file)) == signature, "a signature we made does not read back from its file")
        expect(
            MinisignVerifier.verify(message: message, signatureFile: file, publicKey: deviceKey.publicKey.fileText)
                == .valid(trustedComment: comment), "a signature we made does not verify")
        var edited = Array(file.utf8)
        while input.remaining >= 3 {
            let offset = input.uint16()
            if offset < edited.count { edited[offset] = input.byte() } else { edited.append(input.byte()) }
        }
        let text = String(decoding: edited, as: UTF8.self)
        guard case .valid(let verified) = MinisignVerifier.verify(message: message, signatureFile: text, publicKey: deviceKey.publicKey.fileText)
        else { return }
        let parsed = try? MinisignSignature(parsing: text)
        expect(verified == comment && parsed?.signature == signature.signature && parsed?.globalSignature == signature.globalSignature,
               "an edited signature verifies with other contents: \(text)")
    }
}
