import EdgeCore
import EdgeSystem

/// What the one video track of a segment carries.
public struct TrackDescription: Sendable {
    public var codec: VideoCodec
    public var size: FrameSize
    public var frameRate: FrameRate
    /// avcC or hvcC for H.264/H.265; empty for MJPEG.
    public var codecPrivate: [UInt8]
    public var name: String

    public init(codec: VideoCodec, size: FrameSize, frameRate: FrameRate, codecPrivate: [UInt8], name: String) {
        self.codec = codec
        self.size = size
        self.frameRate = frameRate
        self.codecPrivate = codecPrivate
        self.name = name
    }
}

/// Writes one Matroska file, front to back, without ever seeking: the Segment and each
/// Cluster have unknown size (RFC 9559 §6.2), so the file can be encrypted as it is
/// written and a file cut short (power loss) still plays up to its last whole block.
///
/// Memory stays flat: each frame goes to the sink as it arrives.
public final class MatroskaWriter {
    /// Block timestamps are in milliseconds (TimestampScale 1 000 000 ns).
    static let timestampScale: Int64 = 1_000_000
    private let sink: any ByteSink
    private let track: TrackDescription
    private let clusterSpan: Duration
    private var clusterStart: Int64?  // ms since segment start
    private var lastTimestamp: Int64 = -1
    public private(set) var frames = 0
    public private(set) var bytesWritten = 0
    /// Frames whose timestamp had to move forward to stay strictly increasing.
    public private(set) var nudgedTimestamps = 0

    /// Writes the file header: EBML header, Segment, Info, Tracks and the capture `tags`.
    public init(
        sink: any ByteSink, track: TrackDescription, title: String, start: WallTime,
        tags: [(String, String)] = [], clusterSpan: Duration = .seconds(2)
    ) throws {
        self.sink = sink
        self.track = track
        self.clusterSpan = clusterSpan
        typealias ID = MatroskaID
        let header = EBML.master(ID.ebml, [
            EBML.uint(ID.ebmlVersion, 1), EBML.uint(ID.ebmlReadVersion, 1),
            EBML.uint(ID.ebmlMaxIDLength, 4), EBML.uint(ID.ebmlMaxSizeLength, 8),
            EBML.string(ID.docType, "matroska"), EBML.uint(ID.docTypeVersion, 4),
            EBML.uint(ID.docTypeReadVersion, 2),
        ])
        // DateUTC counts nanoseconds from 2001-01-01T00:00:00 UTC.
        let millennium: Int64 = 978_307_200 * 1_000_000_000
        let info = EBML.master(ID.info, [
            EBML.uint(ID.timestampScale, UInt64(Self.timestampScale)),
            EBML.string(ID.title, title),
            EBML.string(ID.muxingApp, "EdgeRecorder"), EBML.string(ID.writingApp, "edge-recorderd"),
            EBML.int(ID.dateUTC, start.nanosecondsSinceEpoch - millennium),
        ])
        var entry: [[UInt8]] = [
            EBML.uint(ID.trackNumber, 1), EBML.uint(ID.trackUID, 1), EBML.uint(ID.trackType, 1),
            EBML.uint(ID.flagLacing, 0), EBML.string(ID.codecID, track.codec.matroskaCodecID),
            EBML.uint(ID.defaultDuration, UInt64(track.frameRate.interval.nanoseconds)),
            EBML.string(ID.name, track.name),
            EBML.master(ID.video, [
                EBML.uint(ID.pixelWidth, UInt64(track.size.width)), EBML.uint(ID.pixelHeight, UInt64(track.size.height)),
            ]),
        ]
        if !track.codecPrivate.isEmpty { entry.append(EBML.element(ID.codecPrivate, track.codecPrivate)) }
        var head = header + EBML.id(ID.segment) + EBML.unknownSize + info
        head += EBML.master(ID.tracks, [EBML.master(ID.trackEntry, entry)])
        if !tags.isEmpty {
            let simple = tags.map { EBML.master(ID.simpleTag, [EBML.string(ID.tagName, $0.0), EBML.string(ID.tagString, $0.1)]) }
            head += EBML.master(ID.tags, [EBML.master(ID.tag, [EBML.master(ID.targets, [])] + simple)])
        }
        try emit(head)
    }

    /// Appends one frame at `timestamp` (from the segment's first frame). Two frames closer
    /// than the millisecond resolution would share a timestamp: the later one is moved
    /// 1 ms on (and counted in `nudgedTimestamps`) rather than dropped.
    public func append(_ bytes: [UInt8], timestamp: Duration, isKeyframe: Bool) throws {
        try append(parts: [bytes[...]], timestamp: timestamp, isKeyframe: isKeyframe)
    }

    /// Appends one frame given in pieces, written one after another (an H.264 picture's
    /// NAL units, each after its length, straight from the captured bytes: no copy).
    public func append(parts: [ArraySlice<UInt8>], timestamp: Duration, isKeyframe: Bool) throws {
        var ms = (timestamp.nanoseconds + Self.timestampScale / 2) / Self.timestampScale
        if ms <= lastTimestamp {
            ms = lastTimestamp + 1
            nudgedTimestamps += 1
        }
        let spanMS = clusterSpan.nanoseconds / Self.timestampScale
        let newCluster: Bool
        if let start = clusterStart {
            let cutOnKey = isKeyframe && !track.codec.isIntraOnly
            newCluster = cutOnKey || ms - start >= spanMS || ms - start > Int64(Int16.max)
        } else {
            newCluster = true
        }
        if newCluster {
            try emit(EBML.id(MatroskaID.cluster) + EBML.unknownSize + EBML.uint(MatroskaID.clusterTimestamp, UInt64(ms)))
            clusterStart = ms
        }
        let relative = Int16(ms - clusterStart!)
        // SimpleBlock: track number (vint), relative timestamp (int16), flags, frame.
        let blockHeader: [UInt8] = [0x81, UInt8(truncatingIfNeeded: relative >> 8), UInt8(truncatingIfNeeded: relative), isKeyframe ? 0x80 : 0x00]
        let size = parts.reduce(blockHeader.count) { $0 + $1.count }
        try emit(EBML.id(MatroskaID.simpleBlock) + EBML.size(size) + blockHeader)
        for part in parts { try emit(part) }
        lastTimestamp = ms
        frames += 1
    }

    /// Flushes everything written so far to the sink.
    public func finish() throws {
        try sink.flush()
    }

    private func emit(_ bytes: [UInt8]) throws {
        try emit(bytes[...])
    }

    private func emit(_ bytes: ArraySlice<UInt8>) throws {
        try bytes.withUnsafeBytes { try sink.write($0) }
        bytesWritten += bytes.count
    }
}
