import EdgeSystem

/// Why footage is missing for a span of time. Each cause is a manifest of its own in the
/// camera's chain, so the centre can tell a dead camera from a deleted segment.
public enum GapCause: String, Sendable, CaseIterable {
    case cameraLost = "camera-lost"
    case cameraStalled = "camera-stalled"
    case crash = "crash"
    case evictedUnsent = "evicted-unsent"
    case clockStep = "clock-step"
    case diskFull = "disk-full"
    case recorderStopped = "recorder-stopped"
    /// Not a loss: the recipients segments are sealed to changed here (a record of no
    /// length; the detail names the old and the new).
    case recipientsChanged = "recipients-changed"
}

/// One instant read from both clocks: the wall clock labels it, the monotonic clock
/// measures it. `clockSynced` says whether NTP (or an RTC) vouched for the wall clock.
public struct TimePoint: Sendable, Equatable {
    public var wall: WallTime
    public var monotonic: MonotonicInstant
    public var clockSynced: Bool

    public init(wall: WallTime, monotonic: MonotonicInstant, clockSynced: Bool) {
        self.wall = wall
        self.monotonic = monotonic
        self.clockSynced = clockSynced
    }
}

/// What the sealer knows about a finished (or cut short) segment.
public struct SegmentFacts: Sendable, Equatable {
    public var camera: String
    /// The segment file's name in the store, e.g. `00000042-20261129T143301Z.mkv.age`.
    public var file: String
    public var start: TimePoint
    public var end: TimePoint
    public var frames: Int
    public var firstFrame: UInt64
    public var lastFrame: UInt64
    public var codec: String
    public var width: Int
    public var height: Int
    /// The capture format the driver granted, as text.
    public var capture: String
    public var ciphertextSize: Int64
    public var ciphertextSHA256: [UInt8]
    public var truncated: Bool
    public var reason: String

    public init(
        camera: String, file: String, start: TimePoint, end: TimePoint, frames: Int,
        firstFrame: UInt64, lastFrame: UInt64, codec: String, width: Int, height: Int,
        capture: String, ciphertextSize: Int64, ciphertextSHA256: [UInt8], truncated: Bool,
        reason: String
    ) {
        self.camera = camera
        self.file = file
        self.start = start
        self.end = end
        self.frames = frames
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.codec = codec
        self.width = width
        self.height = height
        self.capture = capture
        self.ciphertextSize = ciphertextSize
        self.ciphertextSHA256 = ciphertextSHA256
        self.truncated = truncated
        self.reason = reason
    }
}

/// A span of time with no footage, and why.
public struct GapFacts: Sendable, Equatable {
    public var camera: String
    public var cause: GapCause
    public var start: TimePoint
    public var end: TimePoint
    public var detail: String

    public init(camera: String, cause: GapCause, start: TimePoint, end: TimePoint, detail: String) {
        self.camera = camera
        self.cause = cause
        self.start = start
        self.end = end
        self.detail = detail
    }
}

/// A sealed manifest: its canonical bytes, the minisign signature file over them, and
/// their SHA-256 (what the next manifest's `previous` names).
public struct SignedManifest: Sendable, Equatable {
    public var sequence: UInt64
    /// Canonical JSON (see MANIFEST.md): store these bytes exactly.
    public var json: [UInt8]
    /// The `.minisig` file text.
    public var signature: String
    public var sha256: [UInt8]
    /// The name to store the manifest under in `<store>/<camera>/` (the signature goes
    /// beside it as `<fileName>.minisig`): the segment's stem, or `<sequence>-gap`.
    public var fileName: String
}

extension GapFacts {
    /// The detail of an evicted-unsent loss record: it names the segment it stands for, so
    /// the verifier can tell an evicted segment from a deleted one.
    public static func evictedDetail(sequence: UInt64, file: String, why: String) -> String {
        "evicted segment \(sequence) (\(file)) before upload: \(why)"
    }

    /// The segment number an `evictedDetail` names.
    public static func evictedSequence(inDetail detail: String) -> UInt64? {
        let prefix = "evicted segment "
        guard detail.hasPrefix(prefix) else { return nil }
        return UInt64(detail.dropFirst(prefix.count).prefix { $0.isNumber })
    }
}
