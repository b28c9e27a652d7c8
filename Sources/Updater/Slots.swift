import EdgeSystem
import Release

/// The two slots and the two links that name them. A link is replaced by writing a new
/// one beside it and renaming it over the old (atomic on POSIX filesystems), then syncing
/// the directory: after a power cut it names the old slot or the new, never neither.
struct Slots {
    /// Beside the manifest: the SHA-256 of the archive a slot was installed from (hex), as
    /// the centre announced it or, for a technician's file, as hashed when installed.
    static let archiveName = "archive.sha256"

    let paths: UpdatePaths

    /// The slot a link names; nil when the link is missing (a fresh install) or names
    /// something else.
    func target(of link: String) throws(UpdateError) -> SlotName? {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink(link, &buffer, buffer.count - 1)
        if n < 0 {
            if errno == ENOENT { return nil }
            throw .storage(SystemError(code: errno, call: "readlink", subject: link))
        }
        let text = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return SlotName.allCases.first { text == "slots/\($0.rawValue)" }
    }

    var current: SlotName? { get throws(UpdateError) { try target(of: paths.current) } }
    var committed: SlotName? { get throws(UpdateError) { try target(of: paths.committed) } }

    /// Points `link` at `slot`.
    func point(_ link: String, at slot: SlotName) throws(UpdateError) {
        let temporary = "\(link).new"
        do throws(SystemError) {
            try FileSystem.remove(temporary)
            if symlink("slots/\(slot.rawValue)", temporary) == -1 {
                throw SystemError(code: errno, call: "symlink", subject: temporary)
            }
            try FileSystem.rename(temporary, to: link)
            try FileSystem.syncDirectory(paths.root)
        } catch { throw .storage(error, "cannot switch \(link) to slot \(slot.rawValue)") }
    }

    /// The release a slot holds (its own copy of the signed manifest), if any.
    func release(in slot: SlotName) -> ReleaseManifest? {
        let path = "\(paths.slot(slot))/\(ReleaseArchive.manifestName)"
        guard let bytes = try? FileSystem.readFile(path, limit: ReleaseManifest.maxManifestBytes) else { return nil }
        return try? ReleaseManifestParser.parse(bytes)
    }

    /// The SHA-256 of the archive a slot was installed from, if recorded.
    func archive(in slot: SlotName) -> String? {
        guard let bytes = try? FileSystem.readFile("\(paths.slot(slot))/\(Self.archiveName)", limit: 128) else { return nil }
        return String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
    }

    /// Removes a slot's directory tree (never following a link out of it).
    func clear(_ path: String) throws(UpdateError) {
        do { try Self.removeTree(path) } catch { throw .storage(error, "cannot clear \(path)") }
    }

    private static func removeTree(_ path: String) throws(SystemError) {
        var info = stat()
        if lstat(path, &info) == -1 {
            if errno == ENOENT { return }
            throw SystemError(code: errno, call: "lstat", subject: path)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            try FileSystem.remove(path)
            return
        }
        for name in try FileSystem.list(path) { try removeTree("\(path)/\(name)") }
        if rmdir(path) == -1 { throw SystemError(code: errno, call: "rmdir", subject: path) }
    }
}
