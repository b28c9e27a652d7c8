import EdgeCore
import EdgeSystem
import Logging
import RecorderConfig
import Segmenter
import ServiceLifecycle
import Synchronization

/// One camera, as a `Service`: a capture thread fills a bounded buffer; the segmenter
/// drains it on a thread of its own (disk writes never block the shared pool).
///
/// Graceful shutdown (SIGTERM) stops capture, records what is still buffered and closes
/// the open segment cleanly before `run()` returns.
public final class CameraService: Service, Sendable {
    public let camera: CameraConfiguration
    private let pump: CapturePump
    private let store: @Sendable () throws -> any SegmentStore
    private let policy: SegmentPolicy
    private let time: any TimeSource
    private let logger: Logger
    private let events: @Sendable (DaemonEvent) -> Void
    private let recorded: @Sendable (Duration) -> Void
    private let done = Completion()

    public var buffer: FrameBuffer { pump.buffer }
    /// When the recorder last took an event from the buffer, and last sealed a segment:
    /// what the health board watches.
    public let progress = RecordingProgress()
    public var segmentLength: Duration { policy.length }

    package init(
        camera: CameraConfiguration, defaultSegmentSeconds: Int, sources: SourceFactory,
        store: @escaping @Sendable () throws -> any SegmentStore, logger: Logger,
        events: @escaping @Sendable (DaemonEvent) -> Void = { _ in },
        recorded: @escaping @Sendable (Duration) -> Void = { _ in }
    ) throws {
        self.camera = camera
        self.events = events
        self.recorded = recorded
        self.store = store
        self.time = sources.time
        let seconds = camera.segmentSeconds ?? defaultSegmentSeconds
        policy = SegmentPolicy(length: .seconds(seconds))
        var logger = logger
        logger[metadataKey: "camera"] = .string(camera.id)
        self.logger = logger
        // Two seconds of frames: enough to ride out a slow fsync, bounded whatever happens.
        let capacity = max(8, Self.framesPerSecond(camera.source) * 2)
        pump = try CapturePump(buffer: FrameBuffer(frameCapacity: capacity), time: sources.time, makeSource: sources.maker(for: camera))
    }

    public func run() async throws {
        defer { done.complete() }
        let executor = ThreadExecutor(name: "rec-\(camera.id)")
        defer { executor.shutdown() }
        try await withTaskExecutorPreference(executor) {
            try await withGracefulShutdownHandler {
                try await record()
            } onGracefulShutdown: { [pump] in
                pump.stop()
            }
        }
    }

    /// Stops this camera alone (a config change): the open segment is sealed as on a
    /// shutdown. Returns at once; `finished()` returns once `run()` has.
    public func stop() { pump.stop() }

    /// True once `run()` has returned.
    public var isFinished: Bool { done.isComplete }

    /// Waits until `run()` has returned (or `timeout` passed); true when it has.
    public func finished(within timeout: Duration) async -> Bool { await done.wait(within: timeout) }

    private func record() async throws {
        let progress = self.progress
        let time = self.time
        let (id, events) = (camera.id, self.events)
        let segmenter = Segmenter(camera: camera.id, store: try store(), policy: policy, time: time) { [logger] event in
            Self.log(event, logger)
            if let published = DaemonEvent(event, camera: id) { events(published) }
            switch event {
            case .opened(let sequence, _, _): progress.opened(sequence)
            case .closed: progress.sealed(at: time.monotonicNow())
            case .lost: progress.opened(nil)
            default: break
            }
        }
        logger.info("starting", metadata: ["source": "\(camera.source.kind)"])
        pump.start(threadName: "cap-\(camera.id)")
        var lastError: String?
        while let event = await buffer.next() {
            progress.handled(at: time.monotonicNow())
            if case .streaming = event { progress.streaming(at: time.monotonicNow()) }
            log(event)
            if let published = DaemonEvent(event, camera: camera.id) { events(published) }
            do {
                try segmenter.handle(event)
                // How long the frame took from capture into its segment (the latency figure,
                // `edge_frame_record_seconds`); a frame skipped while waiting for a keyframe
                // leaves no segment open and is not counted.
                if case .frame(let frame) = event, segmenter.openSequence != nil {
                    // A device's timestamp ahead of the clock (a driver fault) counts as no wait.
                    recorded(max(.zero, time.monotonicNow() - frame.captureTime))
                }
                lastError = nil
            } catch {
                // A failed write loses the open segment's tail, never the recorder: the next
                // keyframe starts a new segment. The same error is logged once, not per frame.
                let text = "\(error)"
                if text != lastError { logger.error("cannot write segment: \(text)") }
                lastError = text
            }
        }
        pump.stop()
        do {
            try segmenter.close(.shutdown)
        } catch {
            logger.error("cannot close the last segment: \(error)")
        }
        let c = buffer.counters
        logger.info("stopped", metadata: [
            "frames": "\(c.delivered)", "dropped": "\(c.dropped)", "dropped_behind": "\(c.droppedBehind)",
            "dropped_by_device": "\(c.droppedByDevice)", "interruptions": "\(c.interruptions)",
        ])
    }

    /// Progress of one camera's recording, written by its recording thread.
    public final class RecordingProgress: Sendable {
        private let state = Mutex<(handled: MonotonicInstant?, sealed: MonotonicInstant?, open: UInt64?, streaming: MonotonicInstant?)>(
            (nil, nil, nil, nil))
        public init() {}
        func streaming(at now: MonotonicInstant) { state.withLock { $0.streaming = now } }
        /// When the source last (re)started streaming.
        public var streamingSince: MonotonicInstant? { state.withLock { $0.streaming } }
        func handled(at now: MonotonicInstant) { state.withLock { $0.handled = now } }
        func opened(_ sequence: UInt64?) { state.withLock { $0.open = sequence } }
        func sealed(at now: MonotonicInstant) {
            state.withLock {
                $0.sealed = now
                $0.open = nil
            }
        }
        public var lastHandled: MonotonicInstant? { state.withLock { $0.handled } }
        public var lastSealed: MonotonicInstant? { state.withLock { $0.sealed } }
        /// The sequence number of the segment being written, if one is open.
        public var openSegment: UInt64? { state.withLock { $0.open } }
    }

    private func log(_ event: CaptureEvent) {
        switch event {
        case .streaming(let format): logger.info("streaming \(format)")
        case .interrupted(let failure, _): logger.warning("camera lost: \(failure.message)")
        case .openFailed(let failure, let retry):
            // Sources end their messages with "; retrying"; here the pump knows when.
            let message = failure.message.hasSuffix("; retrying") ? String(failure.message.dropLast(10)) : failure.message
            logger.warning("cannot open camera: \(message); retrying in \(Int(retry.seconds)) s")
        case .frame: break
        }
    }

    package static func log(_ event: SegmenterEvent, _ logger: Logger) {
        switch event {
        case .opened(let sequence, let path, _):
            logger.debug("segment opened", metadata: ["seq": "\(sequence)", "path": "\(path)"])
        case .closed(let s, let path):
            // Both sizes, named: the Matroska bytes written, and the sealed file the
            // manifest's `ciphertext.size` names.
            let sealed = (try? FileSystem.size(path)).map { "\($0)" } ?? "unknown"
            logger.info("segment closed", metadata: [
                "seq": "\(s.sequence)", "frames": "\(s.frames)", "first_frame": "\(s.firstFrame)",
                "duration_s": "\(Double(s.duration.nanoseconds / 1_000_000) / 1000)", "plaintext_bytes": "\(s.bytes)",
                "ciphertext_bytes": "\(sealed)", "reason": "\(s.reason.rawValue)", "path": "\(path)",
            ])
        case .skippedBeforeKeyframe(let count):
            logger.info("skipped \(count) frames while waiting for a keyframe")
        case .lost(let cause, let message, _):
            logger.warning("segment closed early: \(message)", metadata: ["cause": "\(cause.rawValue)"])
        case .gap(let cause, let from, let to):
            logger.warning("gap in the recording", metadata: ["cause": "\(cause.rawValue)", "seconds": "\((to - from).seconds)"])
        }
    }

    package static func framesPerSecond(_ source: SourceConfiguration) -> Int {
        switch source {
        case .testPattern(_, let fps, _), .file(_, _, let fps): fps
        case .v4l2(let s): s.fps ?? 30
        }
    }
}
