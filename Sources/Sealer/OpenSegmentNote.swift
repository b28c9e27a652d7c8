import Custody
import EdgeCore
import EdgeJSON
import EdgeSystem

/// What recovery needs to know of a segment that was open when the recorder died: a small
/// file `<stem>.open` written (fsync, rename) before the segment file is created and
/// removed once its manifest is written. The segment itself cannot tell: it is sealed
/// to keys the gateway does not hold.
struct OpenSegmentNote: Equatable {
    /// The segment's start, with the boot it was read in.
    var start: TimePoint
    /// The Matroska codec ID.
    var codec: String
    var width: Int
    var height: Int
    var capture: String

    static func path(directory: String, stem: String) -> String { "\(directory)/\(stem).open" }

    var json: [UInt8] {
        CanonicalJSON.encode(.object([
            ("startWallNs", .integer(start.wall.nanosecondsSinceEpoch)),
            ("startMonotonicNs", .integer(start.monotonic.nanoseconds)),
            ("clockSynced", .bool(start.clockSynced)), ("boot", .string(start.boot ?? "")),
            ("codec", .string(codec)), ("width", .integer(Int64(width))), ("height", .integer(Int64(height))),
            ("capture", .string(capture)),
        ]))
    }

    init(start: TimePoint, codec: String, width: Int, height: Int, capture: String) {
        self.start = start
        self.codec = codec
        self.width = width
        self.height = height
        self.capture = capture
    }

    /// Reads a note; nil when it is missing or damaged (recovery then knows less).
    init?(path: String) {
        guard let bytes = try? FileSystem.readFile(path, limit: 4096), let v = try? JSONParser.parse(bytes),
              case .number(let wall)? = v["startWallNs"], case .number(let mono)? = v["startMonotonicNs"],
              case .bool(let synced)? = v["clockSynced"], case .string(let codec)? = v["codec"],
              case .number(let w)? = v["width"], case .number(let h)? = v["height"],
              case .string(let capture)? = v["capture"],
              let wallNs = Int64(wall), let monoNs = Int64(mono), let width = Int(w), let height = Int(h)
        else { return nil }
        // Notes of older firmware carry no boot, and the codec as `mjpeg`, `h264`, `h265`.
        var boot: String?
        if case .string(let text)? = v["boot"], !text.isEmpty { boot = text }
        self.init(
            start: TimePoint(
                wall: WallTime(nanosecondsSinceEpoch: wallNs), monotonic: MonotonicInstant(nanoseconds: monoNs), clockSynced: synced,
                boot: boot),
            codec: VideoCodec(rawValue: codec)?.matroskaCodecID ?? codec, width: width, height: height, capture: capture)
    }
}
