import EdgeCore
import EdgeSystem

/// Plaintext `.mkv` segments in `<root>/<camera>/`, one file per segment, named by the
/// camera's segment number and start time: `00000042-20261129T143301Z.mkv`. The number
/// orders segments; the time is only for people.
///
/// A segment is written as `….mkv.partial` and renamed once complete and fsynced, so a
/// name without `.partial` is always a whole file.
public final class FileSegmentStore: SegmentStore {
    public let root: String
    private var nextSequence: [String: UInt64] = [:]

    public init(root: String) throws(SystemError) {
        self.root = root
        try FileSystem.makeDirectories(root)
    }

    public func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput {
        let dir = root + "/" + opening.camera
        try FileSystem.makeDirectories(dir)
        let sequence = try nextSequence[opening.camera] ?? Self.firstFreeSequence(in: dir)
        nextSequence[opening.camera] = sequence + 1
        let name = Self.name(sequence: sequence, start: opening.startWall)
        return try FileSegmentOutput(directory: dir, name: name, sequence: sequence)
    }

    /// Plaintext segments carry no chain: the gap is only in the log.
    public func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) {}

    /// `00000042-20261129T143301Z.mkv`
    public static func name(sequence: UInt64, start: WallTime) -> String {
        sequence.zeroPadded(8) + "-" + start.compactUTC + ".mkv"
    }

    /// The number in a segment file's name, if it is one.
    public static func sequence(ofName name: String) -> UInt64? {
        guard name.hasSuffix(".mkv") || name.hasSuffix(".mkv.partial"),
              let dash = name.firstIndex(of: "-") else { return nil }
        return UInt64(name[..<dash])
    }

    static func firstFreeSequence(in dir: String) throws -> UInt64 {
        let used = try FileSystem.list(dir).compactMap(sequence(ofName:))
        return (used.max() ?? 0) + (used.isEmpty ? 0 : 1)
    }
}

/// One segment file being written, through a 64 KiB buffer.
final class FileSegmentOutput: SegmentOutput {
    let sequence: UInt64
    let path: String
    private let partialPath: String
    private let directory: String
    private let file: FileDescriptor
    private var buffer: [UInt8] = []
    private static let bufferSize = 64 * 1024

    init(directory: String, name: String, sequence: UInt64) throws {
        self.directory = directory
        self.sequence = sequence
        path = directory + "/" + name
        partialPath = path + ".partial"
        file = try FileDescriptor.open(partialPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        buffer.reserveCapacity(Self.bufferSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.bufferSize { try drain() }
        if bytes.count >= Self.bufferSize {
            try file.writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func flush() throws { try drain() }

    private func drain() throws {
        guard !buffer.isEmpty else { return }
        try file.writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func commit(_ summary: SegmentSummary) throws {
        try drain()
        try file.sync()
        try file.close()
        try FileSystem.rename(partialPath, to: path)
        try FileSystem.syncDirectory(directory)
    }

    func abandon() {
        try? file.close()
    }
}
