import EdgeCrypto
import EdgeSystem

/// The chain's signed heads (`ring/.checkpoints/<camera>.json`), sent to the destination
/// whenever one changed since it last took it: `PUT /v1/checkpoints/{camera}` with the
/// checkpoint as the body and its signature in `Edge-Signature` (PROTOCOL.md). The
/// centre keeps the highest per camera; an older one is answered 200 and changes nothing.
extension DestinationUploader {
    struct DueCheckpoint {
        var item: UploadItem
        var json: [UInt8]
        var signature: [UInt8]
        var sha256: [UInt8]
    }

    /// The first camera (by name) whose checkpoint this destination has not taken yet.
    func dueCheckpoint() -> DueCheckpoint? {
        let names = ((try? FileSystem.list(layout.checkpoints)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        let taken = shared.withLock { $0.checkpointsTaken }
        for name in names {
            let camera = String(name.dropLast(5))
            guard PlainName.isValid(camera),
                let json = try? FileSystem.readFile("\(layout.checkpoints)/\(name)", limit: 64 << 10),
                let signature = try? FileSystem.readFile("\(layout.checkpoints)/\(name).minisig", limit: 4096)
            else { continue }
            let sha256 = SHA256.hash(json + signature)
            guard taken[camera] != sha256 else { continue }
            return DueCheckpoint(
                item: UploadItem(camera: camera, sequence: 0, kind: .checkpoint, stem: camera), json: json,
                signature: signature, sha256: sha256)
        }
        return nil
    }

    func sendCheckpoint(_ due: DueCheckpoint, _ transport: any Transport) -> Step {
        let url = Self.join(destination.url, due.item.path)
        do {
            let response = try transport.put(
                url, headers: [("Edge-Signature", Base64.encode(due.signature, padded: true)), ("Content-Type", "application/json")],
                body: .bytes(due.json), control: control(due.item, total: Int64(due.json.count), meter: TransferMeter()))
            let step = try answer(response, due.item, bytes: Int64(due.json.count))
            // Taken, or refused for good (409: the centre holds another head at this
            // sequence; a person must look): not sent again until it changes.
            if case .failed = step {} else { shared.withLock { $0.checkpointsTaken[due.item.camera] = due.sha256 } }
            return step
        } catch {
            if error.code == .stopped { return .stopped }
            return fail(due.item, error)
        }
    }
}
