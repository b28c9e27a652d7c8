import Custody
import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// The checks every uploaded manifest passes before anything is stored. The signature
/// comes first, over the raw bytes, with the trusted comment rebuilt from what the
/// certificate and the URL say (gateway, camera, sequence) and the bytes' SHA-256: nothing
/// a gateway sends is parsed before its key has vouched for it. Then: strict parsing,
/// canonical form, and the manifest's own fields against the URL.
enum ManifestCheck {
    static func check(
        json: [UInt8], signatureText: String, key: SegmentKey, kind: String, publicKey: MinisignPublicKey
    ) throws(Refusal) -> CheckedManifest {
        let signature: MinisignSignature
        do { signature = try MinisignSignature(parsing: signatureText) } catch {
            throw .malformed("Edge-Signature is not a minisign signature: \(error.message)")
        }
        let sha256 = SHA256.hash(json)
        switch MinisignVerifier.verify(message: json, signature: signature, publicKey: publicKey) {
        case .rejected(let check):
            throw Refusal(403, "bad-signature", "signature refused (\(check)) with the key registered for \(key.gateway)")
        case .valid(let comment):
            let expected = Manifest.trustedComment(
                gateway: key.gateway, camera: key.camera, sequence: key.sequence, sha256: sha256)
            // The gateway did sign these bytes, for another camera or sequence than the URL's.
            guard comment == expected else {
                throw .malformed(
                    "the signature's trusted comment names another manifest than \(key.camera)/\(key.sequence) of \(key.gateway): \(comment)")
            }
        }
        let manifest: Manifest
        do { manifest = try ManifestParser.parse(json) } catch { throw .malformed("manifest: \(error)") }
        guard manifest.canonicalJSON == json else {
            throw .malformed("manifest is not in canonical form: send the signed bytes exactly")
        }
        guard manifest.gateway == key.gateway else {
            throw Refusal(403, "wrong-gateway", "manifest names gateway \(manifest.gateway), the certificate is \(key.gateway)")
        }
        guard manifest.camera == key.camera, manifest.sequence == key.sequence else {
            throw .malformed(
                "manifest is camera \(manifest.camera) sequence \(manifest.sequence), the URL says \(key.camera)/\(key.sequence)")
        }
        guard manifest.kind == kind else {
            throw .malformed("a \(manifest.kind) manifest was sent to the \(kind) resource: use /v1/\(manifest.kind)s/")
        }
        if case .segment(let segment) = manifest.body {
            // The file name carries the sequence (as the ring names it), so the store's
            // names can be trusted to say which sequence a file holds.
            guard segment.file.hasPrefix("\(padded(key.sequence))-"), segment.file.hasSuffix(".mkv.age"),
                segment.file.count > padded(key.sequence).count + 9
            else {
                throw .malformed("segment file \(segment.file) is not named <sequence>-<time>.mkv.age for sequence \(key.sequence)")
            }
        }
        return CheckedManifest(manifest: manifest, json: json, signature: signatureText, sha256: sha256)
    }
}
