import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// Makes release archives (RELEASE.md, "Layout"): a ustar file holding `release.json`,
/// `release.json.minisig`, then the files in the manifest's order, so the whole release
/// is one download, `tar -xf` opens it and `minisign -Vm release.json` checks it.
public enum ReleaseArchive {
    public static let manifestName = "release.json"
    public static let signatureName = "release.json.minisig"
    static let reservedNames: Set<String> = [manifestName, signatureName]

    /// One input: a file on this machine and its path in the slot.
    public struct Input: Sendable {
        public var source: String
        public var path: String
        public init(source: String, path: String) {
            self.source = source
            self.path = path
        }
    }

    /// Hashes the inputs into `release`'s files (any it names are replaced), signs the
    /// manifest with `key` and writes the archive to `output` (never over an existing
    /// file: `<output>.partial`, fsync, link).
    @discardableResult
    public static func make(
        _ release: ReleaseManifest, files inputs: [Input], key: DeviceKey, output: String
    ) throws(ReleaseError) -> VerifiedRelease {
        var manifest = release
        manifest.files = []
        for input in inputs { manifest.files.append(try describe(input)) }
        let files = manifest.files
        let bytes = manifest.canonicalBytes
        // What a gateway would refuse is refused here, with the gateway's own words.
        let parsed: ReleaseManifest
        do { parsed = try ReleaseManifestParser.parse(bytes) } catch {
            throw ReleaseError(.input, error.message.replacingFirst("release.json: ", with: ""))
        }
        let signature: [UInt8]
        do { signature = Array(try key.sign(bytes, trustedComment: parsed.trustedComment).fileText.utf8) } catch {
            throw ReleaseError(.input, "cannot sign with the release key: \(error.message)")
        }
        let partial = "\(output).partial"
        do throws(SystemError) {
            if FileSystem.exists(output) { throw SystemError(code: EEXIST, call: "open", subject: output) }
            let out = try FileDescriptor.open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o644)
            try out.writeAll(TarHeader.make(name: manifestName, size: Int64(bytes.count), executable: false))
            try out.writeAll(bytes + padding(Int64(bytes.count)))
            try out.writeAll(TarHeader.make(name: signatureName, size: Int64(signature.count), executable: false))
            try out.writeAll(signature + padding(Int64(signature.count)))
            for (input, entry) in zip(inputs, files) {
                try out.writeAll(TarHeader.make(name: entry.path, size: entry.size, executable: entry.executable))
                try copy(input.source, size: entry.size, to: out)
                try out.writeAll(padding(entry.size))
            }
            let written = try out.seek(to: 0, whence: SEEK_CUR)
            guard let total = manifest.archiveSize(manifestBytes: bytes.count, signatureBytes: signature.count) else {
                throw SystemError(code: EFBIG, call: "write", subject: output)
            }
            try out.writeAll([UInt8](repeating: 0, count: Int(total - written)))
            try out.sync()
            try out.close()
            if link(partial, output) == -1 { throw SystemError(code: errno, call: "link", subject: output) }
            try FileSystem.remove(partial)
        } catch {
            try? FileSystem.remove(partial)
            let hint = error.code == EEXIST ? "it was left as it is — choose another --output" : "cannot write the release"
            throw .storage(error, hint)
        }
        return VerifiedRelease(
            manifest: parsed, manifestBytes: bytes, signature: signature,
            archiveSize: manifest.archiveSize(manifestBytes: bytes.count, signatureBytes: signature.count) ?? 0)
    }

    private static func padding(_ size: Int64) -> [UInt8] {
        [UInt8](repeating: 0, count: Int(TarHeader.padded(size) - size))
    }

    private static func describe(_ input: Input) throws(ReleaseError) -> ReleaseManifest.File {
        guard SlotPath.isValid(input.path) else {
            throw ReleaseError(
                .input,
                "\"\(input.path)\" cannot be a path in a slot: plain names (\(PlainName.rule(limit: PlainName.fileLimit))) joined by /, under 100 bytes, not release.json")
        }
        do {
            let file = try FileDescriptor.open(input.source, O_RDONLY | O_NONBLOCK | O_NOCTTY)
            var info = stat()
            guard fstat(file.rawValue, &info) == 0 else { throw SystemError(code: errno, call: "fstat", subject: input.source) }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw SystemError(code: EINVAL, call: "read", subject: "\(input.source) (not a regular file)")
            }
            let digest = try Digest(.sha256)
            while true {
                let bytes = try file.read(upTo: 1 << 16)
                if bytes.isEmpty { break }
                try digest.update(bytes)
            }
            return ReleaseManifest.File(
                path: input.path, size: digest.count, sha256: try digest.finish(), executable: info.st_mode & 0o111 != 0)
        } catch {
            throw ReleaseError(.input, "cannot read \(input.source): \(error)", cause: error)
        }
    }

    /// Copies exactly `size` bytes (a file that changed since it was hashed is refused).
    private static func copy(_ source: String, size: Int64, to out: FileDescriptor) throws(SystemError) {
        let file = try FileDescriptor.open(source, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        var left = size
        while true {
            let bytes = try file.read(upTo: 1 << 16)
            if bytes.isEmpty { break }
            guard Int64(bytes.count) <= left else { break }
            try out.writeAll(bytes)
            left -= Int64(bytes.count)
        }
        guard left == 0, try file.read(upTo: 1).isEmpty else {
            throw SystemError(code: EAGAIN, call: "read", subject: "\(source) (changed while the release was made; make it again)")
        }
    }
}

extension String {
    func replacingFirst(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
