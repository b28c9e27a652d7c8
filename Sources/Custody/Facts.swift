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
    /// The recorder was not recording this camera: stopped, restarting, or waiting for
    /// the camera's first picture after a start.
    case recorderStopped = "recorder-stopped"
    /// Not a loss: the recipients segments are sealed to changed here (a record of no
    /// length; the detail names the old and the new).
    case recipientsChanged = "recipients-changed"
}

/// One instant read from both clocks: the wall clock labels it, the monotonic clock
/// measures it. `clockSynced` says whether NTP (or an RTC) vouched for the wall clock;
/// `boot` names the boot the monotonic reading belongs to (readings of two boots do not
/// compare). A version-1 manifest has no `boot`: nil.
public struct TimePoint: Sendable, Equatable {
    public var wall: WallTime
    public var monotonic: MonotonicInstant
    public var clockSynced: Bool
    public var boot: String?

    public init(wall: WallTime, monotonic: MonotonicInstant, clockSynced: Bool, boot: String? = nil) {
        self.wall = wall
        self.monotonic = monotonic
        self.clockSynced = clockSynced
        self.boot = boot
    }

    /// The time from `self` to `later`: on the monotonic clock within one boot, on the
    /// wall clock across boots when both readings were synchronised, otherwise unknown.
    public func distance(to later: TimePoint) -> Duration? {
        if let a = boot, let b = later.boot, a == b { return later.monotonic - monotonic }
        if boot == nil && later.boot == nil { return later.monotonic - monotonic }
        if clockSynced && later.clockSynced { return later.wall - wall }
        return nil
    }
}

/// What the sealer knows about a finished (or cut short) segment.
public struct SegmentFacts: Sendable, Equatable {
    public var camera: String
    /// The segment file's name in the store, e.g. `00000042-20261129T143301Z.mkv.age`.
    public var file: String
    public var start: TimePoint
    public var end: TimePoint
    /// Frames in the segment, and the capture counters of its first and last: nil when
    /// unknown (a segment cut short by a crash, whose count needs a decryption).
    public var frames: Int?
    public var firstFrame: UInt64?
    public var lastFrame: UInt64?
    /// The Matroska codec ID (`V_MJPEG`, `V_MPEG4/ISO/AVC`, `V_MPEGH/ISO/HEVC`); nil when
    /// unknown (a segment cut short before its open note was written).
    public var codec: String?
    public var width: Int
    public var height: Int
    /// The capture format the driver granted, as text.
    public var capture: String
    public var ciphertextSize: Int64
    public var ciphertextSHA256: [UInt8]
    public var truncated: Bool
    public var reason: String

    public init(
        camera: String, file: String, start: TimePoint, end: TimePoint, frames: Int?,
        firstFrame: UInt64?, lastFrame: UInt64?, codec: String?, width: Int, height: Int,
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
    /// For `evicted-unsent`: the sequence numbers of the segments the record stands for
    /// (their manifests stay; their files went before upload). Empty otherwise.
    public var covers: [UInt64]

    public init(camera: String, cause: GapCause, start: TimePoint, end: TimePoint, detail: String, covers: [UInt64] = []) {
        self.camera = camera
        self.cause = cause
        self.start = start
        self.end = end
        self.detail = detail
        self.covers = covers
    }
}

/// Why a segment ended (`reason`), as manifests write it.
public enum SegmentEnd: String, Sendable, CaseIterable {
    /// Cut at the first keyframe after the segment length.
    case cut
    /// The camera stopped delivering (lost, stalled).
    case interrupted
    /// The recorder stopped or restarted the camera (SIGTERM, a config change).
    case shutdown
    /// The stream's format or parameter sets changed.
    case formatChanged = "format-changed"
    /// Cut short by a crash or a power loss; sealed by recovery, frame count unknown.
    case crash
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
