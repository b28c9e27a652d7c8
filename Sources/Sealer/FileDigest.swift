import EdgeCrypto
import EdgeCore
import EdgeSystem

/// The size, SHA-256 and modification time of a file, read in 64 KiB pieces.
enum FileDigest {
    static func sha256(path: String) throws -> (size: Int64, sha256: [UInt8], modified: WallTime) {
        let file = try FileDescriptor.open(path, O_RDONLY)
        var info = stat()
        guard fstat(file.rawValue, &info) == 0 else { throw SystemError(code: errno, call: "fstat", subject: path) }
        let sink = try HashingSink(NullSink())
        while true {
            let piece = try file.read(upTo: 65536)
            if piece.isEmpty { break }
            try sink.write(piece)
        }
        try file.close()
        // A file system can hold any mtime (touch -d 2300-01-01): clamp, never trap.
        let modified = WallTime(clampingSeconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
        return (sink.count, try sink.digest(), modified)
    }
}

/// The end of a chain that keeps nothing.
final class NullSink: ByteSink {
    func write(_ bytes: UnsafeRawBufferPointer) throws {}
    func flush() throws {}
}
