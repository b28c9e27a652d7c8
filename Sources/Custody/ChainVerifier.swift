import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// Checks a gateway's store — `<dir>/<camera>/` holding manifests (`*.json`), their
/// signatures (`*.json.minisig`) and segment files, and `<dir>/.checkpoints/` the signed
/// heads — against the gateway's public key, as MANIFEST.md ("Implementing a verifier")
/// says, check by check.
///
/// Order comes from the manifests' own sequence numbers and hash links, never from file
/// times; a file's name must say what its content is (a renamed pair is misnamed).
public struct ChainVerifier: Sendable {
    public let publicKey: MinisignPublicKey
    /// Consecutive records further apart than this leave uncovered time.
    public static let timeTolerance = Duration.seconds(1)

    public init(publicKey: MinisignPublicKey) {
        self.publicKey = publicKey
    }

    /// Throws only when `directory` cannot be listed; every problem inside it is a finding.
    public func verify(directory: String) throws -> ChainReport {
        var report = ChainReport()
        let names: [String]
        do { names = try FileSystem.list(directory) } catch { throw CustodyError.storage(error) }
        let checkpoints = CheckpointReader(directory: "\(directory)/.checkpoints", publicKey: publicKey)
        var cameras = names.filter { !$0.hasPrefix(".") && Self.isDirectory("\(directory)/\($0)") }
        // A camera whose directory is gone but whose checkpoint stayed: deleted evidence.
        for camera in checkpoints.cameras where !cameras.contains(camera) { cameras.append(camera) }
        for camera in cameras.sorted() {
            verifyCamera(camera, in: "\(directory)/\(camera)", checkpoints: checkpoints, into: &report)
        }
        return report
    }

    struct Entry {
        var file: String
        var manifest: Manifest
        var sha256: [UInt8]
    }

    private func verifyCamera(_ camera: String, in folder: String, checkpoints: CheckpointReader, into report: inout ChainReport) {
        var findings = Findings(camera: camera)
        let names = ((try? FileSystem.list(folder)) ?? []).sorted()
        var entries: [Entry] = []
        for name in names where name.hasSuffix(".json") {
            if let entry = readManifest(name, in: folder, camera: camera, findings: &findings) { entries.append(entry) }
        }
        entries.sort { ($0.manifest.sequence, $0.file) < ($1.manifest.sequence, $1.file) }
        ChainLinks.check(entries, findings: &findings)
        let covered = Self.coveredByLossRecords(entries)
        for entry in entries {
            let m = entry.manifest
            if let step = m.clockStep {
                findings.add(.clockStep, m.sequence, file: entry.file, "wall clock stepped \(ChainReport.format(Double(step) / 1e9)) s")
            }
            switch m.body {
            case .gap(let gap):
                report.gaps.append(.init(camera: camera, sequence: m.sequence, cause: gap.cause, start: m.start, end: m.end, detail: gap.detail))
            case .segment(let segment):
                checkSegment(segment, sequence: m.sequence, in: folder, names: names, covered: covered, findings: &findings)
            }
        }
        let uncovered = ChainTime.check(entries, tolerance: Self.timeTolerance, findings: &findings)
        let checkpoint = checkpoints.check(camera: camera, entries: entries, findings: &findings)
        let segments = entries.filter { if case .segment = $0.manifest.body { true } else { false } }.count
        report.cameras.append(
            .init(
                camera: camera, manifests: entries.count, segments: segments, gaps: entries.count - segments,
                firstSequence: entries.first?.manifest.sequence, lastSequence: entries.last?.manifest.sequence,
                checkpoint: checkpoint, uncoveredNs: uncovered))
        report.findings += findings.list
    }

    /// Parses, checks the name, the canonical form and the signature of one manifest; nil
    /// when it cannot take part in the chain at all (unreadable or malformed).
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
        if let expected = Self.fileName(of: manifest), expected != name {
            findings.add(.misnamedManifest, manifest.sequence, file: name, "holds sequence \(manifest.sequence), so must be named \(expected)")
        }
        let sha256 = SHA256.hash(bytes)
        checkSignature(name, in: folder, message: bytes, manifest: manifest, sha256: sha256, findings: &findings)
        return Entry(file: name, manifest: manifest, sha256: sha256)
    }

    /// The name a manifest must have: `<stem>.json` for a segment whose file is
    /// `<stem>.mkv.age` (the stem starting with the 8-digit sequence), `<8-digit>-gap.json`
    /// for a gap. Nil when the segment's own file name is not of that form.
    static func fileName(of manifest: Manifest) -> String? {
        let digits = manifest.sequence.zeroPadded(8)
        switch manifest.body {
        case .gap: return "\(digits)-gap.json"
        case .segment(let s):
            guard s.file.hasSuffix(".mkv.age") else { return nil }
            let stem = String(s.file.dropLast(8))
            return stem.hasPrefix("\(digits)-") ? "\(stem).json" : "\(digits)-….json (its file \(s.file) names another sequence)"
        }
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
        guard signature.algorithm == .prehashed else {
            return findings.add(.badSignature, manifest.sequence, file: name, "legacy Ed signature: manifests are signed ED (prehashed) only")
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

    /// The sequences a signed `evicted-unsent` record covers: `covers` (version 2), or the
    /// sequence its detail names (version 1 wrote "evicted segment N (…)").
    static func coveredByLossRecords(_ entries: [Entry]) -> Set<UInt64> {
        var covered: Set<UInt64> = []
        for entry in entries {
            guard case .gap(let gap) = entry.manifest.body, gap.cause == .evictedUnsent else { continue }
            if !gap.covers.isEmpty {
                covered.formUnion(gap.covers)
            } else if gap.detail.hasPrefix("evicted segment "), let n = UInt64(gap.detail.dropFirst(16).prefix { $0.isNumber }) {
                covered.insert(n)
            }
        }
        return covered
    }

    private func checkSegment(
        _ segment: SegmentFacts, sequence: UInt64, in folder: String, names: [String], covered: Set<UInt64>,
        findings: inout Findings
    ) {
        if segment.truncated {
            findings.add(.truncated, sequence, file: segment.file, "cut short (\(segment.reason)); its frames count after decryption")
        }
        let path = "\(folder)/\(segment.file)"
        guard FileSystem.exists(path) else {
            let stem = String(segment.file.dropLast(8))
            let acknowledged = names.filter { $0.hasPrefix("\(stem).ack-") }.map { String($0.dropFirst(stem.count + 5)) }
            if covered.contains(sequence) {
                return findings.add(.evicted, sequence, file: segment.file, "evicted before upload; a signed evicted-unsent record covers it")
            }
            if !acknowledged.isEmpty {
                return findings.add(
                    .evictedUploaded, sequence, file: segment.file,
                    "evicted after \(acknowledged.joined(separator: ", ")) acknowledged it: verify it there")
            }
            return findings.add(.missingFile, sequence, file: segment.file, "segment file missing")
        }
        switch Result(catching: { () throws(SHA256.FileFailure) in try SHA256.file(path) }) {
        case .success(let (size, sha256)):
            if size != segment.ciphertextSize {
                findings.add(.ciphertextMismatch, sequence, file: segment.file, "size \(size), manifest says \(segment.ciphertextSize)")
            } else if sha256 != segment.ciphertextSHA256 {
                findings.add(.ciphertextMismatch, sequence, file: segment.file, "SHA-256 differs from the manifest's")
            }
        case .failure(let error):
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

    static func isDirectory(_ path: String) -> Bool {
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
