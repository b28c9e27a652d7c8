import Custody
import EdgeCrypto
import EdgeSystem
import Synchronization

/// The store as a directory tree, the layout `edge-centre verify` reads:
///
///     <root>/<gateway>/<camera>/<seq>-<UTC>.mkv.age        the sealed segment
///     <root>/<gateway>/<camera>/<seq>-<UTC>.json(.minisig) its manifest and signature
///     <root>/<gateway>/<camera>/<seq>-gap.json(.minisig)    a gap manifest
///     <root>/<gateway>/<camera>/.incoming/<seq>.part        an unfinished upload
///     <root>/<gateway>/.checkpoints/<camera>.json(.minisig) the highest checkpoint seen
///
/// A manifest appears last, by rename after fsync, and the directory is fsynced before a
/// call returns: a manifest on disk means its segment and signature are there too.
public final class FilesystemArchive: SegmentArchive {
    public let root: String
    /// Per `<gateway>/<camera>`: sequence → manifest file name, read from the directory
    /// once, then kept up to date by this process (the only writer).
    private let index = Mutex<[String: [UInt64: String]]>([:])

    public init(root: String) throws {
        self.root = root
        try FileSystem.makeDirectories(root, mode: 0o750)
    }

    func cameraDirectory(_ key: SegmentKey) -> String { "\(root)/\(key.gateway)/\(key.camera)" }
    func incomingDirectory(_ key: SegmentKey) -> String { "\(cameraDirectory(key))/.incoming" }
    func partialPath(_ key: SegmentKey) -> String { "\(incomingDirectory(key))/\(padded(key.sequence)).part" }

    public func stored(_ key: SegmentKey) throws -> CheckedManifest? {
        guard let name = try manifestNames(key)[key.sequence] else { return nil }
        let json = try FileSystem.readFile("\(cameraDirectory(key))/\(name)", limit: 1 << 20)
        do {
            return CheckedManifest(manifest: try ManifestParser.parse(json), json: json, signature: "", sha256: SHA256.hash(json))
        } catch {
            throw ReceiverError("stored manifest \(cameraDirectory(key))/\(name) does not parse: \(error)")
        }
    }

    public func partialLength(_ key: SegmentKey) throws -> Int64 {
        FileSystem.exists(partialPath(key)) ? try FileSystem.size(partialPath(key)) : 0
    }

    public func openPartial(_ key: SegmentKey) throws -> any PartialUpload {
        try makeDirectories(incomingDirectory(key))
        let path = partialPath(key)
        let created = !FileSystem.exists(path)
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
        if created { try FileSystem.syncDirectory(incomingDirectory(key)) }
        return PartialFile(file: file, length: try FileSystem.size(path))
    }

    public func partialDigest(_ key: SegmentKey) throws -> (size: Int64, sha256: [UInt8]) {
        try SHA256.file(partialPath(key))
    }

    public func discardPartial(_ key: SegmentKey) throws {
        try FileSystem.remove(partialPath(key))
        if FileSystem.exists(incomingDirectory(key)) { try FileSystem.syncDirectory(incomingDirectory(key)) }
    }

    public func completeSegment(_ key: SegmentKey, manifest: CheckedManifest) throws {
        guard case .segment(let segment) = manifest.manifest.body else { throw ReceiverError("not a segment manifest") }
        let directory = cameraDirectory(key)
        try FileSystem.rename(partialPath(key), to: "\(directory)/\(segment.file)")
        try writeManifest(key, manifest, name: Self.manifestName(manifest))
    }

    public func storeGap(_ key: SegmentKey, manifest: CheckedManifest) throws {
        try makeDirectories(incomingDirectory(key))
        try writeManifest(key, manifest, name: Self.manifestName(manifest))
    }

    public func containsManifest(_ key: SegmentKey, sha256: [UInt8]) throws -> Bool {
        let directory = cameraDirectory(key)
        return try manifestNames(key).values.contains { name in
            (try? SHA256.hash(FileSystem.readFile("\(directory)/\(name)", limit: 1 << 20))) == sha256
        }
    }

    public func checkpoint(gateway: String, camera: String) throws -> StoredCheckpoint? {
        let path = "\(root)/\(gateway)/.checkpoints/\(camera).json"
        guard FileSystem.exists(path) else { return nil }
        let json = try FileSystem.readFile(path, limit: 64 << 10)
        let signature = String(decoding: try FileSystem.readFile(path + ".minisig", limit: 4096), as: UTF8.self)
        return StoredCheckpoint(checkpoint: try Checkpoint.parse(json), json: json, signature: signature)
    }

    public func storeCheckpoint(_ stored: StoredCheckpoint) throws {
        let directory = "\(root)/\(stored.checkpoint.gateway)/.checkpoints"
        let staging = "\(directory)/.incoming"
        try makeDirectories(staging)
        let path = "\(directory)/\(stored.checkpoint.camera).json"
        // The signature first: between the two renames the pair does not verify, and the
        // verifier reports a bad checkpoint rather than trusting an unsigned one.
        try writeAtomically(Array(stored.signature.utf8), to: path + ".minisig", staging: staging)
        try writeAtomically(stored.json, to: path, staging: staging)
        try FileSystem.syncDirectory(directory)
    }

    /// `<seq>-<UTC>.json` for a segment (its file name's stem), `<seq>-gap.json` for a gap,
    /// as the gateway's ring names them.
    static func manifestName(_ checked: CheckedManifest) -> String {
        switch checked.manifest.body {
        case .segment(let segment): String(segment.file.dropLast(".mkv.age".count)) + ".json"
        case .gap: "\(padded(checked.manifest.sequence))-gap.json"
        }
    }

    /// Signature first, manifest last (each written, fsynced, renamed), then the
    /// directory fsynced: the manifest's name is the mark of a complete entry.
    private func writeManifest(_ key: SegmentKey, _ checked: CheckedManifest, name: String) throws {
        let directory = cameraDirectory(key)
        try writeAtomically(Array(checked.signature.utf8), to: "\(directory)/\(name).minisig", staging: incomingDirectory(key))
        try writeAtomically(checked.json, to: "\(directory)/\(name)", staging: incomingDirectory(key))
        try FileSystem.syncDirectory(directory)
        _ = try manifestNames(key)
        index.withLock { $0[Self.indexKey(key), default: [:]][key.sequence] = name }
    }

    private func writeAtomically(_ bytes: [UInt8], to path: String, staging: String) throws {
        let temporary = "\(staging)/\(path.split(separator: "/").last!).tmp"
        let file = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        try file.writeAll(bytes)
        try file.sync()
        try file.close()
        try FileSystem.rename(temporary, to: path)
    }

    /// Creates a camera's directories, fsyncing each parent that gained an entry.
    private func makeDirectories(_ path: String) throws {
        guard !FileSystem.exists(path) else { return }
        try FileSystem.makeDirectories(path, mode: 0o750)
        var parent = path
        while parent != root, let slash = parent.lastIndex(of: "/") {
            parent = String(parent[..<slash])
            try FileSystem.syncDirectory(parent)
        }
    }

    private static func indexKey(_ key: SegmentKey) -> String { "\(key.gateway)/\(key.camera)" }

    /// The camera's index, listing its directory the first time.
    private func manifestNames(_ key: SegmentKey) throws -> [UInt64: String] {
        if let known = index.withLock({ $0[Self.indexKey(key)] }) { return known }
        var names: [UInt64: String] = [:]
        let directory = cameraDirectory(key)
        if FileSystem.exists(directory) {
            for name in try FileSystem.list(directory) where name.hasSuffix(".json") {
                if let sequence = UInt64(name.prefix { $0 != "-" }) { names[sequence] = name }
            }
        }
        return index.withLock { table in
            if let known = table[Self.indexKey(key)] { return known }
            table[Self.indexKey(key)] = names
            return names
        }
    }
}

/// An unfinished upload on disk, opened for appending.
final class PartialFile: PartialUpload, @unchecked Sendable {
    // @unchecked: owned by one request at a time (the receiver's per-key lock).
    private let file: FileDescriptor
    private(set) var length: Int64

    init(file: FileDescriptor, length: Int64) {
        self.file = file
        self.length = length
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try file.writeAll(bytes)
        length += Int64(bytes.count)
    }

    func sync() throws { try file.sync() }
    func close() throws { try file.close() }
}
