import AgeKeys
import EdgeCore

/// The daemon's configuration: `/etc/edge-recorder/config.json`. The format is
/// documented in Board/config.md; `Board/config.example.json` is a complete example.
public struct RecorderConfiguration: Sendable, Equatable {
    /// This gateway's name in the fleet (`site-042`): in every segment and manifest.
    public var gateway: String
    /// Where segments and state live (`/var/lib/edge-recorder`).
    public var stateDirectory: String
    /// The centre's age public keys: every segment is sealed to all of them.
    public var recipients: [AgeRecipient]
    /// Default segment length in seconds, 2…300.
    public var segmentSeconds: Int
    /// The open segment is fsynced at least this often, 1…60: a power cut loses at most this much.
    public var fsyncSeconds: Int
    public var cameras: [CameraConfiguration]
    /// How much the ring may hold, and what happens when it is full.
    public var storage: StorageLimits
    /// Where the ring is uploaded to; empty: recording only.
    public var destinations: [DestinationConfiguration] = []
    /// The control socket.
    public var control = ControlConfiguration()
    /// The watchdogs.
    public var watchdog = WatchdogConfiguration()

    public init(
        gateway: String, stateDirectory: String, recipients: [AgeRecipient], segmentSeconds: Int = 10,
        fsyncSeconds: Int = 2, cameras: [CameraConfiguration], storage: StorageLimits = StorageLimits()
    ) {
        self.storage = storage
        self.gateway = gateway
        self.stateDirectory = stateDirectory
        self.recipients = recipients
        self.segmentSeconds = segmentSeconds
        self.fsyncSeconds = fsyncSeconds
        self.cameras = cameras
    }

    public static let defaultPath = "/etc/edge-recorder/config.json"
    public static let defaultStateDirectory = "/var/lib/edge-recorder"
}

/// One camera.
public struct CameraConfiguration: Sendable, Equatable {
    /// Short, unique, safe in a file name: `[a-z0-9][a-z0-9_-]{0,31}`.
    public var id: String
    public var source: SourceConfiguration
    /// Overrides the gateway's segment length for this camera.
    public var segmentSeconds: Int?

    public init(id: String, source: SourceConfiguration, segmentSeconds: Int? = nil) {
        self.id = id
        self.source = source
        self.segmentSeconds = segmentSeconds
    }
}

/// Where a camera's pictures come from.
public enum SourceConfiguration: Sendable, Equatable {
    /// The built-in moving colour bars, as JPEG.
    case testPattern(size: FrameSize, fps: Int, jpegQuality: Int)
    /// A recorded MJPEG or H.264/H.265 Annex-B file, replayed at `fps`, looping.
    case file(path: String, codec: VideoCodec, fps: Int)
    /// A V4L2 device.
    case v4l2(V4L2Settings)

    public var kind: String {
        switch self {
        case .testPattern: "test-pattern"
        case .file: "file"
        case .v4l2: "v4l2"
        }
    }
}

/// What to ask of a V4L2 device. The driver may grant something else; the segment
/// records what was granted.
public struct V4L2Settings: Sendable, Equatable {
    /// `/dev/video0`, or better a stable `/dev/v4l/by-id/…` or `/dev/v4l/by-path/…` name.
    public var device: String
    public var size: FrameSize?
    public var fps: Int?
    /// A FourCC to prefer (`MJPG`, `H264`, `YUYV`, `NV12`, `GREY`); nil picks the best the
    /// device offers, compressed formats first.
    public var pixelFormat: String?
    public var jpegQuality: Int
    /// No frame for this long counts as the camera lost.
    public var stallSeconds: Int

    public init(device: String, size: FrameSize? = nil, fps: Int? = nil, pixelFormat: String? = nil, jpegQuality: Int = 80, stallSeconds: Int = 5) {
        self.device = device
        self.size = size
        self.fps = fps
        self.pixelFormat = pixelFormat
        self.jpegQuality = jpegQuality
        self.stallSeconds = stallSeconds
    }
}

/// The ring's bounds. Zero means "no limit" for the quotas and the age.
public struct StorageLimits: Sendable, Equatable {
    public enum WhenFull: String, Sendable, CaseIterable {
        /// Evict the oldest segments: uploaded ones first, then unsent ones (each with a
        /// signed loss record).
        case evictOldest = "evict-oldest"
        /// Keep every segment and stop recording until space is freed.
        case stopRecording = "stop-recording"
    }
    /// All cameras together, in MiB.
    public var maxMiB: Int
    /// Each camera, in MiB.
    public var cameraMaxMiB: Int
    /// Segments older than this (by their recorded, clock-synced end time) are evicted.
    public var maxAgeHours: Int
    /// The filesystem keeps at least this much free, in MiB.
    public var minFreeMiB: Int
    public var whenFull: WhenFull
    /// Held evidence, in MiB: a hold that would exceed it is refused.
    public var holdMaxMiB: Int

    public init(maxMiB: Int = 0, cameraMaxMiB: Int = 0, maxAgeHours: Int = 0, minFreeMiB: Int = 64, whenFull: WhenFull = .evictOldest, holdMaxMiB: Int = 1024) {
        self.maxMiB = maxMiB
        self.cameraMaxMiB = cameraMaxMiB
        self.maxAgeHours = maxAgeHours
        self.minFreeMiB = minFreeMiB
        self.whenFull = whenFull
        self.holdMaxMiB = holdMaxMiB
    }
}
