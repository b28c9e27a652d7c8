import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// The signed heads in a store's `.checkpoints/<camera>.json` (with `.minisig`), and the
/// check of a camera's chain against its own: the manifest the checkpoint names must be
/// there with that hash, and every sequence up to it too.
struct CheckpointReader {
    let directory: String
    let publicKey: MinisignPublicKey

    /// The cameras that have a checkpoint file.
    var cameras: [String] {
        ((try? FileSystem.list(directory)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
    }

    func check(camera: String, entries: [ChainVerifier.Entry], findings: inout Findings) -> Checkpoint? {
        let path = "\(directory)/\(camera).json"
        guard FileSystem.exists(path) else {
            findings.add(.noCheckpoint, nil, file: nil, "no checkpoint for this camera: manifests after the last one present could have gone unnoticed")
            return nil
        }
        guard let checkpoint = read(path, camera: camera, findings: &findings) else { return nil }
        guard let head = entries.first(where: { $0.manifest.sequence == checkpoint.sequence }) else {
            findings.add(
                .truncatedBelowCheckpoint, checkpoint.sequence,
                "the checkpoint of \(ChainReport.short(checkpoint.at)) names sequence \(checkpoint.sequence), which is not in the store: manifests were removed")
            return nil
        }
        guard head.sha256 == checkpoint.sha256 else {
            findings.add(
                .truncatedBelowCheckpoint, checkpoint.sequence, file: head.file,
                "the checkpoint names another manifest \(checkpoint.sequence) than the one in the store (replaced?)")
            return nil
        }
        // Counted, not listed: a signed head may be numbered up to 2⁶³−1, and walking
        // 1...sequence would never end (found by Fuzz/fuzz-manifest).
        let present = Set(entries.lazy.map(\.manifest.sequence).filter { (1...checkpoint.sequence).contains($0) })
        let missing = checkpoint.sequence - UInt64(present.count)
        if missing > 0 {
            var first: UInt64 = 1
            while present.contains(first) { first += 1 }
            findings.add(
                .truncatedBelowCheckpoint, checkpoint.sequence,
                "\(missing) sequence(s) up to the checkpoint's \(checkpoint.sequence) are absent, first \(first): removed, or not yet uploaded")
            return nil
        }
        return checkpoint
    }

    /// Checks the signature over the file's bytes first (ED, the gateway key, a trusted
    /// comment for this camera and these bytes), and parses only what that vouches for.
    private func read(_ path: String, camera: String, findings: inout Findings) -> Checkpoint? {
        let file = ".checkpoints/\(camera).json"
        guard let bytes = try? FileSystem.readFile(path, limit: 1 << 16) else {
            findings.add(.badCheckpoint, file: file, "unreadable (or larger than 64 KiB)")
            return nil
        }
        guard let text = try? FileSystem.readFile(path + ".minisig", limit: 4096),
            let signature = try? MinisignSignature(parsing: String(decoding: text, as: UTF8.self)),
            signature.algorithm == .prehashed,
            case .valid(let comment) = MinisignVerifier.verify(message: bytes, signature: signature, publicKey: publicKey)
        else {
            findings.add(.badCheckpoint, file: file, "no valid signature by the gateway key (ED, prehashed) in \(file).minisig")
            return nil
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.parse(bytes) } catch {
            findings.add(.badCheckpoint, file: file, "\(error)")
            return nil
        }
        let expected = Checkpoint.trustedComment(
            gateway: checkpoint.gateway, camera: checkpoint.camera, sequence: checkpoint.sequence, sha256: SHA256.hash(bytes))
        guard checkpoint.camera == camera, comment == expected else {
            findings.add(.badCheckpoint, file: file, "signed for another camera or file: the trusted comment is not \"\(expected)\"")
            return nil
        }
        return checkpoint
    }
}
