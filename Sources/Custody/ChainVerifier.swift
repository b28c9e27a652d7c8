import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// Checks a gateway's store — `<dir>/<camera>/` holding manifests (`*.json`), their
/// signatures (`*.json.minisig`) and segment files — against the gateway's public key.
///
/// Order comes from the manifests' own sequence numbers and hash links, never from file
/// names or times: renaming files changes nothing, and each manifest is checked for its
/// signature, its canonical form, its place in the chain and its segment's ciphertext.
public struct ChainVerifier: Sendable {
    public let publicKey: MinisignPublicKey

    public init(publicKey: MinisignPublicKey) {
        self.publicKey = publicKey
    }

    /// Throws only when `directory` cannot be listed; every problem inside it is a finding.
    public func verify(directory: String) throws -> ChainReport {
        var report = ChainReport()
        let names: [String]
        do { names = try FileSystem.list(directory) } catch { throw CustodyError.storage(error) }
        for camera in names.sorted() where Self.isDirectory("\(directory)/\(camera)") {
            verifyCamera(camera, in: "\(directory)/\(camera)", into: &report)
        }
        return report
    }

    struct Entry {
        var file: String
        var manifest: Manifest
        var sha256: [UInt8]
    }

    private func verifyCamera(_ camera: String, in folder: String, into report: inout ChainReport) {
        var findings = Findings(camera: camera)
        let names: [String]
        do { names = try FileSystem.list(folder).sorted() } catch {
            findings.add(.malformedManifest, file: camera, "cannot list the directory: \(error)")
            report.findings += findings.list
            return
        }
        var entries: [Entry] = []
        for name in names where name.hasSuffix(".json") {
            if let entry = readManifest(name, in: folder, camera: camera, findings: &findings) { entries.append(entry) }
        }
        entries.sort { ($0.manifest.sequence, $0.file) < ($1.manifest.sequence, $1.file) }
        ChainLinks.check(entries, findings: &findings)
        // Segments the gateway evicted before upload, each named by a signed loss record.
        let evicted = Set(entries.compactMap { entry -> UInt64? in
            guard case .gap(let gap) = entry.manifest.body, gap.cause == .evictedUnsent else { return nil }
            return GapFacts.evictedSequence(inDetail: gap.detail)
        })
        for entry in entries {
            let m = entry.manifest
            if let step = m.clockStep {
                findings.add(.clockStep, m.sequence, file: entry.file, "wall clock stepped \(ChainReport.format(Double(step) / 1e9)) s")
            }
            switch m.body {
            case .gap(let gap):
                report.gaps.append(.init(camera: camera, sequence: m.sequence, cause: gap.cause, start: m.start, end: m.end, detail: gap.detail))
            case .segment(let segment) where evicted.contains(m.sequence) && !FileSystem.exists("\(folder)/\(segment.file)"):
                findings.add(.evicted, m.sequence, file: segment.file, "evicted before upload (see its loss record)")
            case .segment(let segment):
                checkCiphertext(segment, sequence: m.sequence, in: folder, findings: &findings)
            }
        }
        let segments = entries.filter { if case .segment = $0.manifest.body { true } else { false } }.count
        report.cameras.append(
            .init(
                camera: camera, manifests: entries.count, segments: segments, gaps: entries.count - segments,
                firstSequence: entries.first?.manifest.sequence, lastSequence: entries.last?.manifest.sequence))
        report.findings += findings.list
    }

    /// Parses, checks the canonical form and the signature of one manifest; nil when it
    /// cannot take part in the chain at all (unreadable or malformed).
    private func readManifest(_ name: String, in folder: String, camera: String, findings: inout Findings) -> Entry? {
        let bytes: [UInt8]
        let manifest: Manifest
        do {
            bytes = try FileSystem.readFile("\(folder)/\(name)", limit: 1 << 20)
            manifest = try ManifestParser.parse(bytes)
        } catch {
            findings.add(.malformedManifest, file: name, "\(error)")
            return nil
        }
        guard manifest.camera == camera else {
            findings.add(.malformedManifest, manifest.sequence, file: name, "names camera \(manifest.camera), stored under \(camera)")
            return nil
        }
        if manifest.canonicalJSON != bytes {
            findings.add(.malformedManifest, manifest.sequence, file: name, "not in canonical form (edited by hand?)")
        }
        let sha256 = SHA256.hash(bytes)
        checkSignature(name, in: folder, message: bytes, manifest: manifest, sha256: sha256, findings: &findings)
        return Entry(file: name, manifest: manifest, sha256: sha256)
    }

    private func checkSignature(
        _ name: String, in folder: String, message: [UInt8], manifest: Manifest, sha256: [UInt8], findings: inout Findings
    ) {
        let path = "\(folder)/\(name).minisig"
        guard FileSystem.exists(path) else {
            return findings.add(.missingSignature, manifest.sequence, file: name, "no \(name).minisig beside it")
        }
        guard let text = try? FileSystem.readFile(path, limit: 4096), let signature = try? MinisignSignature(parsing: String(decoding: text, as: UTF8.self)) else {
            return findings.add(.badSignature, manifest.sequence, file: name, "\(name).minisig is not a minisign signature")
        }
        switch MinisignVerifier.verify(message: message, signature: signature, publicKey: publicKey) {
        case .rejected(let check):
            findings.add(.badSignature, manifest.sequence, file: name, Self.explain(check))
        case .valid(let comment):
            let expected = Manifest.trustedComment(
                gateway: manifest.gateway, camera: manifest.camera, sequence: manifest.sequence, sha256: sha256)
            if comment != expected {
                findings.add(.badSignature, manifest.sequence, file: name, "signed, but the trusted comment names another manifest")
            }
        }
    }

    private func checkCiphertext(_ segment: SegmentFacts, sequence: UInt64, in folder: String, findings: inout Findings) {
        if segment.truncated {
            findings.add(.truncated, sequence, file: segment.file, segment.reason.isEmpty ? "segment cut short" : segment.reason)
        }
        let path = "\(folder)/\(segment.file)"
        guard FileSystem.exists(path) else {
            return findings.add(.missingFile, sequence, file: segment.file, "segment file missing")
        }
        do {
            let (size, sha256) = try SHA256.file(path)
            if size != segment.ciphertextSize {
                findings.add(.ciphertextMismatch, sequence, file: segment.file, "size \(size), manifest says \(segment.ciphertextSize)")
            } else if sha256 != segment.ciphertextSHA256 {
                findings.add(.ciphertextMismatch, sequence, file: segment.file, "SHA-256 differs from the manifest's")
            }
        } catch {
            findings.add(.missingFile, sequence, file: segment.file, "cannot read: \(error)")
        }
    }

    static func explain(_ check: MinisignCheck) -> String {
        switch check {
        case .malformedPublicKey: "the gateway key is not usable"
        case .malformedSignature: "the signature file is malformed"
        case .keyIDMismatch: "signed by another key (key id differs)"
        case .weakEncoding: "signature uses a weak encoding minisign refuses"
        case .messageSignature: "signature does not match the manifest (altered?)"
        case .trustedComment: "trusted comment was altered"
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}

/// Findings of one camera, in the order found.
struct Findings {
    let camera: String
    var list: [ChainReport.Finding] = []

    mutating func add(_ kind: ChainReport.Finding.Kind, _ sequence: UInt64? = nil, file: String? = nil, _ message: String) {
        list.append(.init(kind: kind, camera: camera, sequence: sequence, file: file, message: message))
    }
}
