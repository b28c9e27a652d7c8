import EdgeSystem

/// A private directory under /tmp, made once per process and emptied before each input:
/// targets that read a directory tree write the input's files there. Removed at exit.
public final class ScratchDirectory: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String) {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("mkdtemp failed: errno \(errno)")
        }
        path = String(cString: made)
        Self.made.append(path)
        if Self.made.count == 1 { atexit { for path in ScratchDirectory.made { ScratchDirectory.removeTree(path) } } }
    }

    /// Empties the directory (recursively), keeping it.
    public func clear() {
        for name in (try? FileSystem.list(path)) ?? [] { Self.removeTree("\(path)/\(name)") }
    }

    /// Writes `bytes` to `name` (a path relative to the directory), making parents.
    public func write(_ name: String, _ bytes: some Collection<UInt8>) {
        let full = "\(path)/\(name)"
        if let slash = full.lastIndex(of: "/") { try? FileSystem.makeDirectories(String(full[..<slash])) }
        do {
            let file = try FileDescriptor.open(full, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
            try file.writeAll(Array(bytes))
            try file.close()
        } catch {
            fatalError("cannot write \(full): \(error)")
        }
    }

    nonisolated(unsafe) private static var made: [String] = []

    private static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileSystem.list(path)) ?? [] { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
