import Custody
import DeviceIdentity
import EdgeSystem
import FuzzSupport

/// A gateway store for `ChainVerifier`, built in a scratch directory from parts
/// separated by `\n--\n`, each a header byte `h` and a body:
///
/// - `h & 3`: the camera folder: `cam1` (0, 1), `cam2` (2), `cam-x` (3);
/// - `(h >> 2) & 3`: 0 the body is a manifest, written as given; 1 the body is a manifest
///   that is made to fit: stored under its folder's camera, linked to the manifest before
///   it in the folder, numbered after it when `h & 64`, its segment file written to match;
///   2 the body replaces the .minisig of the folder's last manifest; 3 the body is the
///   segment file of the folder's last manifest;
/// - `h & 16`: not signed; `h & 32`: signed with another trusted comment;
/// - `h & 128`: instead, the body is the folder's checkpoint (`.checkpoints/<camera>.json`),
///   written as given, or with kind 1 made to name the folder's last manifest.
///
/// Manifests are stored under the name the verifier expects (`<8-digit sequence>-gap.json`,
/// `<stem>.json`) when it is free, else as `<part>.json`. Every manifest that parses is
/// checked: its signature is reported missing exactly when it was not signed, and never
/// bad when it was signed properly; a checkpoint made to fit and properly signed is never
/// reported bad.
enum StorePlan {
    static let store = ScratchDirectory("fuzz-manifest-store")
    static let separator = Array("\n--\n".utf8)

    struct Written {
        var folder: String
        var file: String
        var bytes: [UInt8]
        var manifest: Manifest?
        var signed: Bool  // with the right trusted comment
        var unsigned: Bool
    }

    /// A segment file name that cannot overwrite a manifest or signature of the plan.
    static func isSegmentName(_ name: String) -> Bool { !name.hasSuffix(".json") && !name.hasSuffix(".minisig") }

    /// The name MANIFEST.md gives a manifest, or nil when its file name does not say.
    static func expectedName(_ m: Manifest) -> String? {
        let number = String(m.sequence)
        let digits = String(repeating: "0", count: max(0, 8 - number.count)) + number
        switch m.body {
        case .gap: return "\(digits)-gap.json"
        case .segment(let s): return s.file.hasSuffix(".mkv.age") ? String(s.file.dropLast(8)) + ".json" : nil
        }
    }

    static func run(_ bytes: [UInt8]) {
        store.clear()
        var written: [Written] = []
        var fittedCheckpoints: Set<String> = []
        for (n, part) in bytes.pieces(separatedBy: separator).prefix(16).enumerated() {
            guard let h = part.first else { continue }
            let body = Array(part.dropFirst())
            let folder = ["cam1", "cam1", "cam2", "cam-x"][Int(h & 3)]
            let last = written.lastIndex { $0.folder == folder }
            if h & 128 != 0 {
                if checkpoint(body, h: h, folder: folder, head: last.map { written[$0] }) { fittedCheckpoints.insert(folder) }
                else { fittedCheckpoints.remove(folder) }
                continue
            }
            switch (h >> 2) & 3 {
            case 0, 1:
                var bytes = body
                var manifest = try? ManifestParser.parse(body)
                if (h >> 2) & 3 == 1, var m = manifest {
                    m.camera = folder
                    if let last { m.previous = sha256(written[last].bytes) } else { m.previous = nil }
                    if h & 64 != 0, let previous = last.flatMap({ written[$0].manifest }) { m.sequence = previous.sequence &+ 1 }
                    if case .segment(var facts) = m.body, isSegmentName(facts.file) {
                        let content = Array(facts.file.utf8)
                        store.write("\(folder)/\(facts.file)", content)
                        facts.ciphertextSize = Int64(content.count)
                        facts.ciphertextSHA256 = sha256(content)
                        m.body = .segment(facts)
                    }
                    bytes = m.canonicalJSON
                    manifest = m
                }
                var file = "\(n).json"
                if let name = manifest.flatMap(expectedName), PlainName.isValid(name, limit: PlainName.fileLimit),
                    !written.contains(where: { $0.folder == folder && $0.file == name })
                {
                    file = name
                }
                store.write("\(folder)/\(file)", bytes)
                var entry = Written(folder: folder, file: file, bytes: bytes, manifest: manifest, signed: false, unsigned: h & 16 != 0)
                if h & 16 == 0 {
                    let comment = manifest.map {
                        Manifest.trustedComment(gateway: $0.gateway, camera: $0.camera, sequence: $0.sequence, sha256: sha256(bytes))
                    }
                    let signedComment = h & 32 != 0 || comment == nil ? "edge-recorder manifest" : comment!
                    if let signature = try? deviceKey.sign(bytes, trustedComment: signedComment) {
                        store.write("\(folder)/\(file).minisig", Array(signature.fileText.utf8))
                        entry.signed = h & 32 == 0 && comment != nil
                    } else {
                        entry.unsigned = true
                    }
                }
                written.removeAll { $0.folder == folder && $0.file == file }
                written.append(entry)
            case 2:
                guard let last else { continue }
                store.write("\(folder)/\(written[last].file).minisig", body)
                written[last].signed = false
                written[last].unsigned = false
            default:
                guard let last, case .segment(let facts) = written[last].manifest?.body, isSegmentName(facts.file) else { continue }
                store.write("\(folder)/\(facts.file)", body)
            }
        }
        let report: ChainReport
        do { report = try ChainVerifier(publicKey: deviceKey.publicKey).verify(directory: store.path) } catch {
            expect(false, "the store could not be verified: \(error)")
            return
        }
        _ = report.text
        _ = report.jsonText
        for entry in written {
            guard let manifest = entry.manifest, manifest.camera == entry.folder else { continue }
            let findings = report.findings.filter { $0.camera == entry.folder && $0.file == entry.file }
            let missing = findings.contains { $0.kind == .missingSignature }
            let bad = findings.contains { $0.kind == .badSignature }
            if entry.signed { expect(!missing && !bad, "a properly signed manifest \(entry.folder)/\(entry.file) is reported \(findings)") }
            if entry.unsigned { expect(missing, "an unsigned manifest \(entry.folder)/\(entry.file) is not reported: \(findings)") }
        }
        for folder in fittedCheckpoints {
            let bad = report.findings.filter { $0.camera == folder && $0.kind == .badCheckpoint }
            expect(bad.isEmpty, "a properly signed checkpoint for \(folder) is reported \(bad)")
        }
    }

    /// Writes the folder's checkpoint; returns whether it was made to fit and signed
    /// properly (kind 1, a head manifest that parsed, no signature flags).
    static func checkpoint(_ body: [UInt8], h: UInt8, folder: String, head: Written?) -> Bool {
        var bytes = body
        var checkpoint = try? Checkpoint.parse(body)
        var fitted = false
        if (h >> 2) & 3 == 1, let head, let m = head.manifest, PlainName.isValid(m.gateway) {
            let made = Checkpoint(gateway: m.gateway, camera: folder, sequence: m.sequence, sha256: sha256(head.bytes), at: m.end)
            bytes = made.canonicalJSON
            checkpoint = made
            fitted = h & 48 == 0
        }
        store.write(".checkpoints/\(folder).json", bytes)
        guard h & 16 == 0 else { return false }
        let comment = checkpoint.map {
            Checkpoint.trustedComment(gateway: $0.gateway, camera: $0.camera, sequence: $0.sequence, sha256: sha256(bytes))
        }
        let signedComment = h & 32 != 0 || comment == nil ? "edge-recorder checkpoint" : comment!
        guard let signature = try? deviceKey.sign(bytes, trustedComment: signedComment) else { return false }
        store.write(".checkpoints/\(folder).json.minisig", Array(signature.fileText.utf8))
        return fitted
    }
}
