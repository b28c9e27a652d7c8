/// Directory and file operations, each a thin wrapper over one system call.
public enum FileSystem {
    /// Creates `path` and its missing parents with `mode`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, mode) == -1 {
                let code = errno
                // EEXIST is fine only when what exists is a directory, not a file.
                var info = stat()
                if code == EEXIST, stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { continue }
                throw SystemError(code: code == EEXIST ? ENOTDIR : code, call: "mkdir", subject: prefix)
            }
        }
    }

    /// Renames `from` to `to`, replacing `to` atomically.
    public static func rename(_ from: String, to: String) throws(SystemError) {
        _ = try retryingInterrupts("rename", "\(from) → \(to)") { Glibc_rename(from, to) }
    }

    /// Flushes a directory's entries, so a rename or a new file in it survives a power cut.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        try fd.sync()
        try fd.close()
    }

    /// Removes a file; a file already gone is not an error.
    public static func remove(_ path: String) throws(SystemError) {
        if unlink(path) == -1, errno != ENOENT {
            throw SystemError(code: errno, call: "unlink", subject: path)
        }
    }

    /// The names in a directory, without `.` and `..`, in no particular order.
    public static func list(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else {
            throw SystemError(code: errno, call: "opendir", subject: path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The folder `path` is in: `/etc/x.json` → `/etc`, `/x` → `/`, `x` → `.`.
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Whether anything exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The size of the file at `path`.
    public static func size(_ path: String) throws(SystemError) -> Int64 {
        var info = stat()
        if stat(path, &info) == -1 { throw SystemError(code: errno, call: "stat", subject: path) }
        return Int64(info.st_size)
    }

    /// Reads a whole (small) file.
    ///
    /// Only a regular file is read: a FIFO, a device or a socket at `path` (a mistake, or a
    /// trap) fails at once (`EISDIR` for a directory, `EINVAL` for the rest) instead of
    /// blocking the caller for ever; the open itself cannot block either (`O_NONBLOCK`,
    /// which means nothing for regular files). A command-line tool reading what its user
    /// named (`edgectl config apply /dev/stdin`) passes `streams: true` to allow those.
    public static func readFile(_ path: String, limit: Int = 16 << 20, streams: Bool = false) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.open(path, streams ? O_RDONLY : O_RDONLY | O_NONBLOCK | O_NOCTTY)
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0 else { throw SystemError(code: errno, call: "fstat", subject: path) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw SystemError(code: EISDIR, call: "read", subject: path)
        case _ where streams: break
        default: throw SystemError(code: EINVAL, call: "read", subject: "\(path) (not a regular file)")
        }
        var out: [UInt8] = []
        while true {
            let chunk = try fd.read(upTo: 65536)
            if chunk.isEmpty { break }
            out += chunk
            if out.count > limit {
                throw SystemError(code: EFBIG, call: "read", subject: path)
            }
        }
        try fd.close()
        return out
    }

    /// Writes a small file so it appears whole or not at all: `<path>.partial`, fsync,
    /// rename. The caller fsyncs the directory (once for a batch).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o640) throws(SystemError) {
        let partial = path + ".partial"
        let file = try FileDescriptor.open(partial, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            try file.writeAll(bytes)
            try file.sync()
        } catch {
            try? file.close()
            throw error
        }
        try file.close()
        try rename(partial, to: path)
    }
}
