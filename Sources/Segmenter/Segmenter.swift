import Bitstream
import EdgeCore
import EdgeSystem
import Matroska

/// How segments are cut.
public struct SegmentPolicy: Sendable {
    /// A segment ends at the first keyframe at least this long after its start.
    public var length: Duration
    /// A new cluster starts at least this often (and at every keyframe of H.264/H.265).
    public var clusterSpan: Duration
    public init(length: Duration = .seconds(10), clusterSpan: Duration = .seconds(2)) {
        self.length = length
        self.clusterSpan = clusterSpan
    }
}

/// What the segmenter did, for logs and counters.
public enum SegmenterEvent: Sendable {
    case opened(sequence: UInt64, path: String, format: StreamFormat)
    case closed(SegmentSummary, path: String)
    /// Frames thrown away because no segment can start before a keyframe.
    case skippedBeforeKeyframe(count: Int)
    /// The camera stopped delivering: the open segment was closed.
    case lost(cause: SourceFailureKind, message: String, at: MonotonicInstant)
    /// The camera was away from `from` to `to`: nothing was recorded in between.
    case gap(cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant)
}

/// Turns one camera's capture events into Matroska segments: starts each on a keyframe,
/// cuts at the first keyframe after `policy.length`, and closes the open segment when
/// the camera is lost or the recorder stops. Every frame goes to exactly one segment.
public final class Segmenter {
    public let camera: String
    private let store: any SegmentStore
    private let policy: SegmentPolicy
    private let time: any TimeSource
    private let report: (SegmenterEvent) -> Void
    private var format: StreamFormat?
    private var parameterSets = ParameterSets()
    private var open: OpenSegment?
    private var skipped = 0
    private var lostSince: (cause: SourceFailureKind, message: String, at: MonotonicInstant)?

    struct OpenSegment {
        var output: any SegmentOutput
        var writer: MatroskaWriter
        var opening: SegmentOpening
        var firstFrame: UInt64
        var lastFrame: UInt64
        var lastCapture: MonotonicInstant
        var codecPrivate: [UInt8]
    }

    public init(
        camera: String, store: any SegmentStore, policy: SegmentPolicy, time: any TimeSource,
        report: @escaping (SegmenterEvent) -> Void = { _ in }
    ) {
        self.camera = camera
        self.store = store
        self.policy = policy
        self.time = time
        self.report = report
    }

    /// The number of the segment being written, if any.
    public var openSequence: UInt64? { open?.output.sequence }

    public func handle(_ event: CaptureEvent) throws {
        switch event {
        case .streaming(let granted):
            if let current = format, current != granted { try close(.formatChanged) }
            format = granted
            parameterSets = ParameterSets()
        case .frame(let frame):
            try record(frame)
        case .interrupted(let failure, let at):
            try close(.interrupted)
            if lostSince == nil { lostSince = (failure.kind, failure.message, at) }
            report(.lost(cause: failure.kind, message: failure.message, at: at))
        case .openFailed:
            break
        }
    }

    /// Closes the open segment, if any, making it durable.
    public func close(_ reason: SegmentSummary.EndReason) throws {
        flushSkipped()
        if reason == .shutdown { try endGap(at: time.monotonicNow()) }
        guard let segment = open else { return }
        open = nil
        let interval = segment.opening.format.frameRate.interval
        let summary = SegmentSummary(
            camera: camera, sequence: segment.output.sequence, frames: segment.writer.frames,
            firstFrame: segment.firstFrame, lastFrame: segment.lastFrame,
            startWall: segment.opening.startWall, startMonotonic: segment.opening.startMonotonic,
            duration: (segment.lastCapture - segment.opening.startMonotonic) + interval,
            bytes: segment.writer.bytesWritten, reason: reason, format: segment.opening.format)
        do {
            try segment.writer.finish()
            try segment.output.commit(summary)
        } catch {
            segment.output.abandon()
            throw error
        }
        report(.closed(summary, path: segment.output.path))
    }

    private func record(_ frame: Frame) throws {
        guard let format else { return }
        // Matroska stores H.264/H.265 length-prefixed: each NAL unit after its length,
        // written from where it lies in the captured frame.
        var payload = [frame.bytes[...]]
        if frame.codec != .mjpeg {
            let units = AnnexB.nalUnits(frame.bytes)
            parameterSets.collect(units, codec: frame.codec)
            payload = units.flatMap { [AnnexB.lengthPrefix($0)[...], $0] }
        }
        if let segment = open, frame.isKeyframe {
            let due = frame.captureTime - segment.opening.startMonotonic >= policy.length
            let changed = try frame.codec != .mjpeg && codecPrivate(frame.codec) != segment.codecPrivate
            if due || changed { try close(changed ? .formatChanged : .cut) }
        }
        if open == nil {
            guard frame.isKeyframe, frame.codec == .mjpeg || parameterSets.isComplete(for: frame.codec) else {
                skipped += 1
                return
            }
            flushSkipped()
            try start(with: frame, format: format)
        }
        guard var segment = open else { return }
        do {
            try segment.writer.append(parts: payload, timestamp: frame.captureTime - segment.opening.startMonotonic, isKeyframe: frame.isKeyframe)
            // Lets the store make the open segment durable on its own schedule (fsyncSeconds).
            try segment.output.flush()
        } catch {
            open = nil
            segment.output.abandon()
            throw error
        }
        segment.lastFrame = frame.sequence
        segment.lastCapture = frame.captureTime
        open = segment
    }

    private func start(with frame: Frame, format: StreamFormat) throws {
        // The frame's wall-clock time: now, less how long ago (monotonic) it was captured.
        let age = time.monotonicNow() - frame.captureTime
        // A loss ends where recording resumes: at this segment's first frame.
        try endGap(at: frame.captureTime)
        var granted = format
        granted.size = frame.size
        let opening = SegmentOpening(
            camera: camera, format: granted, startWall: time.wallNow() - age,
            startMonotonic: frame.captureTime)
        let output = try store.beginSegment(opening)
        let privateData = try codecPrivate(frame.codec)
        let track = TrackDescription(codec: frame.codec, size: frame.size, frameRate: format.frameRate, codecPrivate: privateData, name: camera)
        do {
            let writer = try MatroskaWriter(
                sink: output, track: track, title: "\(camera) segment \(output.sequence)", start: opening.startWall,
                tags: [("CAMERA", camera), ("CAPTURE", format.description), ("FIRST_FRAME", String(frame.sequence))],
                clusterSpan: policy.clusterSpan)
            open = OpenSegment(
                output: output, writer: writer, opening: opening, firstFrame: frame.sequence,
                lastFrame: frame.sequence, lastCapture: frame.captureTime, codecPrivate: privateData)
        } catch {
            output.abandon()
            throw error
        }
        report(.opened(sequence: output.sequence, path: output.path, format: granted))
    }

    private func codecPrivate(_ codec: VideoCodec) throws -> [UInt8] {
        try parameterSets.decoderConfiguration(codec: codec)
    }

    /// The camera came back (`at`: the first frame recorded again) or the recorder stops.
    private func endGap(at end: MonotonicInstant) throws {
        guard let lost = lostSince else { return }
        lostSince = nil
        report(.gap(cause: lost.cause, from: lost.at, to: end))
        try store.recordGap(camera: camera, cause: lost.cause, from: lost.at, to: end, detail: lost.message)
    }

    private func flushSkipped() {
        if skipped > 0 { report(.skippedBeforeKeyframe(count: skipped)) }
        skipped = 0
    }
}
