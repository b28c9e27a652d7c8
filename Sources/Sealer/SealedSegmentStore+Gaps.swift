import Custody
import EdgeCore
import EdgeSystem
import Segmenter

/// Time with no footage, recorded so that a camera's records tile time (MANIFEST.md,
/// "Completeness in time"): every gap runs from where the chain ended — the last record's
/// end, in the boot it was read in — to where recording resumed, the next segment's
/// start; or, when the recorder stops first, to the stop.
extension SealedSegmentStore {
    /// Records of a camera further apart than this leave a gap record between them (the
    /// verifier's tolerance: `ChainVerifier.timeTolerance`).
    static let tolerance = ChainVerifier.timeTolerance

    /// The camera stopped delivering (lost, stalled): the gap is recorded now when the
    /// recorder is stopping (`to` is the stop), otherwise when recording resumes.
    public func recordGap(camera: String, cause: SourceFailureKind, from: MonotonicInstant, to: MonotonicInstant, detail: String) throws {
        interruption = (cause == .stalled ? .cameraStalled : .cameraLost, detail)
        let end = TimePoint(wall: wallTime(of: to), monotonic: to, clockSynced: clockSynced(), boot: custody.boot)
        try closeGap(camera: camera, until: end)
    }

    /// Seals a record of no length in the camera's chain, for something the centre must
    /// see that is not footage (the recipients changing).
    public func recordNotice(camera: String, cause: GapCause, detail: String) throws {
        let directory = layout.directory(camera: camera)
        try FileSystem.makeDirectories(directory, mode: 0o750)
        let now = TimePoint(wall: time.wallNow(), monotonic: time.monotonicNow(), clockSynced: clockSynced(), boot: custody.boot)
        try closeGap(camera: camera, until: now)
        try custody.write(try custody.recordGap(GapFacts(camera: camera, cause: cause, start: now, end: now, detail: detail)), camera: camera, in: directory)
        try FileSystem.syncDirectory(directory)
    }

    /// Before a segment opens: the time since the chain ended, if more than the tolerance
    /// (or not measurable), becomes a gap with the reason recording stopped.
    func closeTimeGap(before opening: SegmentOpening) throws {
        let start = TimePoint(
            wall: opening.startWall, monotonic: opening.startMonotonic, clockSynced: clockSynced(), boot: custody.boot)
        try closeGap(camera: opening.camera, until: start)
    }

    private func closeGap(camera: String, until end: TimePoint) throws {
        let why = interruption
        interruption = nil
        guard let last = custody.lastEnd(camera: camera) else { return }
        if let span = last.distance(to: end), span <= Self.tolerance { return }
        let cause = why?.cause ?? .recorderStopped
        let detail = why?.detail ?? "the recorder was not recording this camera (stopped, restarting, or waiting for its first picture)"
        let directory = layout.directory(camera: camera)
        try FileSystem.makeDirectories(directory, mode: 0o750)
        try custody.write(
            try custody.recordGap(GapFacts(camera: camera, cause: cause, start: last, end: end, detail: detail)), camera: camera,
            in: directory)
        try FileSystem.syncDirectory(directory)
    }
}
