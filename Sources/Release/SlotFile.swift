import EdgeSystem

/// One file of a release written into a slot directory as it verifies. The paths were
/// checked by the manifest parser (plain names, no `..`); `O_EXCL | O_NOFOLLOW` makes
/// sure nothing already there, or a link, is written through.
struct SlotFile {
    private let file: FileDescriptor
    private let path: String

    init(directory: String, entry: ReleaseManifest.File) throws(ReleaseError) {
        path = "\(directory)/\(entry.path)"
        do throws(SystemError) {
            if let slash = entry.path.utf8.lastIndex(of: UInt8(ascii: "/")) {
                try FileSystem.makeDirectories("\(directory)/\(entry.path[..<slash])", mode: 0o755)
            }
            file = try FileDescriptor.open(
                path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: entry.executable ? 0o755 : 0o644)
        } catch { throw .storage(error, "cannot write the release into \(directory)") }
    }

    func write(_ bytes: [UInt8]) throws(ReleaseError) {
        do { try file.writeAll(bytes) } catch { throw .storage(error, "cannot write \(path)") }
    }

    func finish() throws(ReleaseError) {
        do throws(SystemError) {
            try file.sync()
            try file.close()
        } catch { throw .storage(error, "cannot write \(path)") }
    }

    /// fsync of every directory that gained a file, deepest first, then the slot itself.
    static func syncTree(_ directory: String, files: [ReleaseManifest.File]) throws(ReleaseError) {
        var directories = Set<String>()
        for file in files {
            var parts = file.path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                directories.insert(parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        do throws(SystemError) {
            for sub in directories.sorted(by: { $0.utf8.count > $1.utf8.count }) {
                try FileSystem.syncDirectory("\(directory)/\(sub)")
            }
            try FileSystem.syncDirectory(directory)
        } catch { throw .storage(error, "cannot sync \(directory)") }
    }
}
