import Custody
import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import NIOCore

// MARK: PUT /v1/checkpoints/{camera}

extension SegmentReceiver {
    /// The largest checkpoint accepted (they are about 350 bytes).
    public static let maxCheckpointBytes = 4096

    /// Keeps the highest checkpoint per gateway and camera (PROTOCOL.md). The sender is
    /// known, and the signature checked over the raw bytes, before they are parsed.
    /// Answers 200 with `status`: `stored` (it is now the one kept), `duplicate` (that one
    /// is kept already) or `older` (a higher one is kept; `sequence` says which). Two
    /// different heads signed for one sequence are an evidence conflict: 409.
    public func putCheckpoint<Body: AsyncSequence>(
        gateway: String, camera: String, signature: String?, contentLength: String? = nil, body: Body,
        close: @escaping CloseConnection = {}
    ) async -> Reply
    where Body.Element == ByteBuffer {
        // One request per camera's checkpoint at a time; sequence 0 is no manifest's.
        let key = SegmentKey(gateway: gateway, camera: camera, sequence: 0)
        return await answering(key, event: "checkpoint", close: close) {
            let publicKey = try await self.io { try self.keys.key(for: gateway) }
            let signature = try Self.base64(signature, "Edge-Signature")
            if let contentLength {
                let declared = try Self.number(contentLength, "Content-Length")
                guard declared <= Self.maxCheckpointBytes else {
                    throw Refusal(413, "too-large", "a checkpoint is at most \(Self.maxCheckpointBytes) bytes; this one says \(declared)")
                }
            }
            var json: [UInt8] = []
            for try await buffer in body {
                guard json.count + buffer.readableBytes <= Self.maxCheckpointBytes else {
                    throw Refusal(413, "too-large", "a checkpoint is at most \(Self.maxCheckpointBytes) bytes")
                }
                json += buffer.readableBytesView
            }
            let checked = try CheckpointCheck.check(
                json: json, signatureText: String(decoding: signature, as: UTF8.self), gateway: gateway, camera: camera,
                publicKey: publicKey)
            return try await self.io { try self.keep(checked) }
        }
    }

    private func keep(_ new: StoredCheckpoint) throws -> Reply {
        let head = new.checkpoint
        let fields = "gateway=\(LogField.value(head.gateway)) camera=\(LogField.value(head.camera))"
        func reply(_ status: String, _ kept: Checkpoint) -> Reply {
            .accepted(status, SegmentKey(gateway: kept.gateway, camera: kept.camera, sequence: kept.sequence), sha256: kept.sha256)
        }
        if let kept = try archive.checkpoint(gateway: head.gateway, camera: head.camera)?.checkpoint {
            if kept.sequence > head.sequence {
                return reply("older", kept)
            }
            if kept.sequence == head.sequence {
                guard kept.sha256 == head.sha256 else {
                    throw Refusal(
                        409, "conflict",
                        "a checkpoint naming manifest \(Hex.encode(kept.sha256)) as sequence \(head.sequence) is kept; this one names \(Hex.encode(head.sha256)): the gateway signed two heads at one sequence (evidence conflict, not stored)")
                }
                // The same head made later says it stayed the head for longer.
                guard let later = kept.at.distance(to: head.at), later > .zero else { return reply("duplicate", kept) }
            }
        }
        try archive.storeCheckpoint(new)
        log("event=stored kind=checkpoint \(fields) sequence=\(head.sequence)")
        return reply("stored", head)
    }
}

/// The checks of an uploaded checkpoint: the signature first (ED, the gateway's key,
/// over the raw bytes), then strict parsing, then the signed trusted comment and the
/// checkpoint's own gateway and camera against the certificate and the URL.
enum CheckpointCheck {
    static func check(
        json: [UInt8], signatureText: String, gateway: String, camera: String, publicKey: MinisignPublicKey
    ) throws(Refusal) -> StoredCheckpoint {
        let signature: MinisignSignature
        do { signature = try MinisignSignature(parsing: signatureText) } catch {
            throw .malformed("Edge-Signature is not a minisign signature: \(error.message)")
        }
        guard signature.algorithm == .prehashed else {
            throw .malformed("checkpoints are signed ED (prehashed) only; this signature is legacy Ed")
        }
        guard case .valid(let comment) = MinisignVerifier.verify(message: json, signature: signature, publicKey: publicKey) else {
            throw Refusal(403, "bad-signature", "checkpoint signature refused with the key registered for \(gateway)")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.parse(json) } catch { throw .malformed("checkpoint: \(error)") }
        guard checkpoint.gateway == gateway else {
            throw Refusal(403, "wrong-gateway", "checkpoint names gateway \(checkpoint.gateway), the certificate is \(gateway)")
        }
        guard checkpoint.camera == camera else {
            throw .malformed("checkpoint is camera \(checkpoint.camera), the URL says \(camera)")
        }
        let expected = Checkpoint.trustedComment(
            gateway: gateway, camera: camera, sequence: checkpoint.sequence, sha256: SHA256.hash(json))
        guard comment == expected else {
            throw .malformed("the signature's trusted comment is not \"\(expected)\": \(comment)")
        }
        return StoredCheckpoint(checkpoint: checkpoint, json: json, signature: signatureText)
    }
}
