/// Files that change together, so a power cut never leaves a mix of old and new (a TLS key
/// beside the certificate of another key locks a box out). Each new file is first written
/// beside the one it replaces, as `<path>.next`; the last one of the set only once all the
/// others are on disk, so its presence says the set is whole. Then each is renamed into
/// place, the last one last. `recover` (at start, before the files are used) finishes a
/// switch a power cut interrupted, or drops a set that was never whole.
public enum FileSet {
    public struct File: Sendable {
        public var path: String
        public var bytes: [UInt8]
        public var mode: mode_t

        public init(path: String, bytes: [UInt8], mode: mode_t) {
            self.path = path
            self.bytes = bytes
            self.mode = mode
        }
    }

    static func staged(_ path: String) -> String { path + ".next" }

    /// Replaces every file of `files`, all or none as far as a power cut goes.
    public static func replace(_ files: [File]) throws(SystemError) {
        guard let last = files.last else { return }
        for file in files.dropLast() { try FileSystem.writeAtomically(file.bytes, to: staged(file.path), mode: file.mode) }
        try syncDirectories(of: files.dropLast().map(\.path))
        try FileSystem.writeAtomically(last.bytes, to: staged(last.path), mode: last.mode)
        try syncDirectories(of: [last.path])
        try switchOver(files.map(\.path))
    }

    /// After a power cut: finishes the switch of `paths` (the same set, in the same order)
    /// when its last file was staged, else removes what was staged of an unfinished set.
    /// Returns whether it finished a switch.
    @discardableResult
    public static func recover(_ paths: [String]) throws(SystemError) -> Bool {
        guard let last = paths.last else { return false }
        if FileSystem.exists(staged(last)) {
            try switchOver(paths)
            return true
        }
        for path in paths.dropLast() where FileSystem.exists(staged(path)) { try FileSystem.remove(staged(path)) }
        return false
    }

    private static func switchOver(_ paths: [String]) throws(SystemError) {
        for path in paths where FileSystem.exists(staged(path)) { try FileSystem.rename(staged(path), to: path) }
        try syncDirectories(of: paths)
    }

    private static func syncDirectories(of paths: [String]) throws(SystemError) {
        var seen: Set<String> = []
        for directory in paths.map(FileSystem.directory(of:)) where seen.insert(directory).inserted {
            try FileSystem.syncDirectory(directory)
        }
    }
}
