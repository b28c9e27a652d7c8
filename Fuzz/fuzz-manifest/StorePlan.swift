import Custody
import DeviceIdentity
import EdgeJSON
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
/// - `h & 16`: the manifest is not signed; `h & 32`: signed with another trusted comment.
///
/// Every manifest that parses is checked: its signature is reported missing exactly when
/// it was not signed, and never bad when it was signed properly.
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

    static func run(_ bytes: [UInt8]) {
        store.clear()
        var written: [Written] = []
        for (n, part) in bytes.pieces(separatedBy: separator).prefix(16).enumerated() {
            guard let h = part.first else { continue }
            let body = Array(part.dropFirst())
            let folder = ["cam1", "cam1", "cam2", "cam-x"][Int(h & 3)]
            let last = written.lastIndex { $0.folder == folder }
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
                let file = "\(n).json"
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
    }
}
