import EdgeSystem

/// A camera, as the rest of the recorder sees it: the test pattern, a replayed file and
/// a V4L2 device all implement this.
///
/// A source is driven by one thread at a time (`CapturePump`): `open`, then `nextFrame`
/// until it returns nil or throws, then `close`. Blocking waits inside `nextFrame` must
/// also watch `stop` (poll its descriptor) so shutdown never waits for a frame.
public protocol FrameSource: AnyObject {
    /// A name for logs: the device path or file.
    var name: String { get }

    /// Opens the device and negotiates a format; returns what was granted.
    func open() throws -> StreamFormat

    /// Waits for the next frame. Returns nil when `stop` was signalled.
    func nextFrame(stop: Wakeup) throws -> Frame?

    /// Releases the device. Called after `open` succeeded, whatever happened next.
    func close()
}

/// Why a source stopped delivering frames, for logs and for the gap it leaves.
public typealias SourceFailure = CodedError<SourceFailureKind>

/// The kinds of `SourceFailure`; their raw values name the gap a failure leaves.
public enum SourceFailureKind: String, ErrorCode {
    /// The device vanished or reported an error (unplugged, ENODEV, EIO).
    case lost = "camera-lost"
    /// No frame arrived for longer than the stall timeout.
    case stalled = "camera-stalled"
    /// The device or file cannot work as configured; retrying will not help.
    case unusable = "camera-unusable"

    public static var domain: String { "" }
    /// A camera lost or stalled comes back by itself (the pump reopens it); an unusable one
    /// needs its config or its device fixed.
    public func isRetryable(cause: (any Error & Sendable)?) -> Bool { self != .unusable }
}

extension CodedError where Code == SourceFailureKind {
    public var kind: SourceFailureKind { code }
}
