import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// A release whose signature, manifest and every file verified.
public struct VerifiedRelease: Sendable {
    public var manifest: ReleaseManifest
    /// The signed bytes and their signature, kept beside an installed slot.
    public var manifestBytes: [UInt8]
    public var signature: [UInt8]
    public var archiveSize: Int64
}

/// Reads a release archive (RELEASE.md) in one pass, in the order that trusts least: the
/// signature over `release.json` before parsing it; the manifest's board, expiry, security
/// version and state format before any file; then each file's size and SHA-256 while it
/// streams. With `directory`, files are written there as they verify (mode 0755/0644,
/// fsynced); the caller treats the directory as nothing until this returns.
public enum ReleaseReader {
    private static let chunk = 1 << 16

    public static func read(
        path: String, trust: ReleaseTrust, extractingInto directory: String? = nil
    ) throws(ReleaseError) -> VerifiedRelease {
        let file: FileDescriptor
        let available: Int64
        do throws(SystemError) {
            file = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
            var info = stat()
            guard fstat(file.rawValue, &info) == 0 else { throw SystemError(code: errno, call: "fstat", subject: path) }
            guard info.st_mode & S_IFMT == S_IFREG else { throw SystemError(code: EINVAL, call: "read", subject: "\(path) (not a regular file)") }
            available = Int64(info.st_size)
        } catch { throw .storage(error, "cannot open the release") }
        var input = Input(file: file, path: path, available: available)

        let manifestBytes = try input.member(named: ReleaseArchive.manifestName, limit: ReleaseManifest.maxManifestBytes)
        let signature = try input.member(named: ReleaseArchive.signatureName, limit: ReleaseManifest.maxSignatureBytes)
        try trust.check(signature: signature, of: manifestBytes)
        let manifest = try ReleaseManifestParser.parse(manifestBytes)
        try trust.check(manifest)
        guard let total = manifest.archiveSize(manifestBytes: manifestBytes.count, signatureBytes: signature.count) else {
            throw ReleaseError(.malformedManifest, "release.json: files: the release would pass \(ReleaseManifest.maxReleaseBytes) bytes")
        }
        guard available >= total else {
            throw ReleaseError(
                .truncated,
                "\(path) holds \(available) of the release's \(total) bytes: the download was cut short; resume it")
        }
        guard available == total else {
            throw ReleaseError(.malformedArchive, "\(path) is \(available) bytes; release \(manifest.version) is \(total): something follows it")
        }

        for (n, entry) in manifest.files.enumerated() {
            let header = try input.exactly(TarHeader.blockSize)
            guard header == TarHeader.make(name: entry.path, size: entry.size, executable: entry.executable) else {
                throw ReleaseError(.malformedArchive, "member \(n + 3) of \(path) is not files[\(n)] (\(entry.path), \(entry.size) bytes) as release.json names it")
            }
            let sink = try directory.map { (d: String) throws(ReleaseError) in try SlotFile(directory: d, entry: entry) }
            let digest: Digest
            do { digest = try Digest(.sha256) } catch { throw ReleaseError(.storage, "libcrypto: \(error)") }
            var left = entry.size
            while left > 0 {
                let bytes = try input.exactly(Int(min(left, Int64(chunk))))
                do { try digest.update(bytes) } catch { throw ReleaseError(.storage, "libcrypto: \(error)") }
                try sink?.write(bytes)
                left -= Int64(bytes.count)
            }
            try input.zeros(Int(TarHeader.padded(entry.size) - entry.size), after: entry.path)
            let sum: [UInt8]
            do { sum = try digest.finish() } catch { throw ReleaseError(.storage, "libcrypto: \(error)") }
            guard sum == entry.sha256 else {
                throw ReleaseError(
                    .fileMismatch,
                    "\(entry.path) in \(path) has SHA-256 \(Hex.encode(sum)), not the signed \(Hex.encode(entry.sha256)): the release was changed or damaged")
            }
            try sink?.finish()
        }
        try input.zeros(Int(total - input.offset), after: "the last file")
        if let directory { try SlotFile.syncTree(directory, files: manifest.files) }
        return VerifiedRelease(manifest: manifest, manifestBytes: manifestBytes, signature: signature, archiveSize: total)
    }
}

/// The archive as read so far: exact reads that say "truncated" at the end of the file.
private struct Input {
    let file: FileDescriptor
    let path: String
    let available: Int64
    var offset: Int64 = 0

    init(file: FileDescriptor, path: String, available: Int64) {
        self.file = file
        self.path = path
        self.available = available
    }

    mutating func exactly(_ count: Int) throws(ReleaseError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let got: [UInt8]
            do { got = try file.read(upTo: count - out.count) } catch { throw .storage(error, "cannot read the release") }
            guard !got.isEmpty else {
                throw ReleaseError(.truncated, "\(path) ends at byte \(offset + Int64(out.count)), inside the release: the download was cut short; resume it")
            }
            out += got
        }
        offset += Int64(count)
        return out
    }

    mutating func zeros(_ count: Int, after what: String) throws(ReleaseError) {
        var left = count
        while left > 0 {
            let bytes = try exactly(min(left, 1 << 16))
            guard bytes.allSatisfy({ $0 == 0 }) else {
                throw ReleaseError(.malformedArchive, "\(path) has data in the padding after \(what), at byte \(offset - Int64(bytes.count))")
            }
            left -= bytes.count
        }
    }

    /// One of the two leading members: its header must be exactly what `TarHeader`
    /// writes for its name and size.
    mutating func member(named name: String, limit: Int) throws(ReleaseError) -> [UInt8] {
        let header = try exactly(TarHeader.blockSize)
        guard let (found, size) = TarHeader.nameAndSize(header), found == name else {
            throw ReleaseError(.malformedArchive, "\(path) is not an EdgeRecorder release: its member at byte \(offset - 512) is not \(name)")
        }
        guard size > 0, size <= Int64(limit) else {
            throw ReleaseError(.malformedArchive, "\(name) in \(path) is \(size) bytes; at most \(limit) are allowed")
        }
        guard header == TarHeader.make(name: name, size: size, executable: false) else {
            throw ReleaseError(.malformedArchive, "the tar header of \(name) in \(path) is not as `edge-centre release sign` writes it")
        }
        let body = try exactly(Int(size))
        try zeros(Int(TarHeader.padded(size) - size), after: name)
        return body
    }
}
