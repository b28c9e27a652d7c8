import Custody
import EdgeSystem
import SegmentRing

/// Puts the ring in order at start, before any camera records: removes debris, turns
/// what a crash left into signed manifests, and records one crash gap per camera when the
/// last run did not stop cleanly.
///
/// A run is "clean" when it removed `<ring>/.running` on its way out; the marker is
/// written (fsynced) when a run starts. After a crash, per camera:
/// - a `.mkv.age.partial` whose number was reserved becomes `<stem>.mkv.age` with a
///   manifest marked truncated: everything fsynced before the crash stays, and the centre
///   salvages its authenticated prefix;
/// - a reserved number with no file becomes the crash gap;
/// - otherwise a crash gap gets a number of its own. Either way, one crash gap per crash.
public struct RingRecovery {
    public struct Report: Sendable, Equatable {
        public var cameras = 0
        public var segments = 0
        public var truncatedSegments = 0
        public var crashGaps = 0
        public var debrisRemoved = 0
        public var lastRunCrashed = false
    }

    let layout: RingLayout
    let ledger: CustodyLedger
    let time: any TimeSource
    let clockSynced: @Sendable () -> Bool

    public init(layout: RingLayout, ledger: CustodyLedger, time: any TimeSource, clockSynced: @escaping @Sendable () -> Bool = ClockStatus.isSynchronised) {
        self.layout = layout
        self.ledger = ledger
        self.time = time
        self.clockSynced = clockSynced
    }

    var marker: String { layout.root + "/.running" }

    /// Recovers, then marks this run as started.
    public func recover(cameras configured: [String]) throws -> Report {
        try FileSystem.makeDirectories(layout.root, mode: 0o750)
        var report = Report()
        report.lastRunCrashed = FileSystem.exists(marker)
        let onDisk = try FileSystem.list(layout.root).filter { !$0.hasPrefix(".") }
        let cameras = Set(onDisk + configured).sorted()
        for camera in cameras {
            try recover(camera: camera, crashed: report.lastRunCrashed, into: &report)
        }
        report.cameras = cameras.count
        try FileSystem.writeAtomically(Array("\(time.wallNow().rfc3339)\n".utf8), to: marker)
        try FileSystem.syncDirectory(layout.root)
        return report
    }

    /// Marks a clean stop: the next start records no crash gap.
    public func markCleanStop() throws {
        try FileSystem.remove(marker)
        try FileSystem.syncDirectory(layout.root)
    }

    private func recover(camera: String, crashed: Bool, into report: inout Report) throws {
        let directory = layout.directory(camera: camera)
        try FileSystem.makeDirectories(directory, mode: 0o750)
        var names = Set(try FileSystem.list(directory))
        // Half-written small files (manifests, signatures, open-segment notes, acks): the
        // chain state still says what they were to hold, so they are removed and, where
        // needed, written again below. Only a segment's own .partial holds evidence.
        for name in names where name.hasSuffix(".partial") && !name.hasSuffix(".mkv.age.partial") {
            try FileSystem.remove("\(directory)/\(name)")
            names.remove(name)
            report.debrisRemoved += 1
        }
        var unsealed = Set(ledger.unsealedReservations(camera: camera))
        var crashGapRecorded = false
        // A crash gap starts where the chain ended (in the boot it ended in), or where a
        // segment cut short by the crash ends.
        var lastEnd: TimePoint? = ledger.lastEnd(camera: camera)
        for name in names.sorted() where name.hasSuffix(".mkv.age.partial") || (name.hasSuffix(".mkv.age") && !(names.contains(Self.stem(of: name) + ".json") && names.contains(Self.stem(of: name) + ".json.minisig"))) {
            guard let sequence = RingLayout.sequence(ofName: name) else { continue }
            let stem = Self.stem(of: name)
            if unsealed.remove(sequence) != nil {
                let end = try finishTruncated(name: name, stem: stem, sequence: sequence, camera: camera, directory: directory)
                lastEnd = end
                report.truncatedSegments += 1
            } else if let last = try ledger.lastSealed(camera: camera), last.sequence == sequence {
                // Sealed, but the manifest never reached the disk: write it again.
                if name.hasSuffix(".partial") { try FileSystem.rename("\(directory)/\(name)", to: "\(directory)/\(stem).mkv.age") }
                try ledger.write(last, camera: camera, in: directory)
            }
            try? FileSystem.remove(OpenSegmentNote.path(directory: directory, stem: stem))
        }
        // Only the manifest sealed last can be half-written (its .json or .minisig missing),
        // a segment's or a gap's alike: the chain state keeps it whole, so write it again.
        if let last = try ledger.lastSealed(camera: camera),
           !FileSystem.exists("\(directory)/\(last.fileName)") || !FileSystem.exists("\(directory)/\(last.fileName).minisig") {
            try ledger.write(last, camera: camera, in: directory)
        }
        for name in names where name.hasSuffix(".open") && !names.contains(Self.stem(of: name) + ".mkv.age.partial") {
            try FileSystem.remove("\(directory)/\(name)")
            report.debrisRemoved += 1
        }
        // Numbers reserved for segments whose file never appeared: the crash gap takes one.
        for sequence in unsealed.sorted() {
            let gap = crashGap(camera: camera, from: lastEnd)
            try ledger.write(try ledger.recordGap(gap, sequence: sequence), camera: camera, in: directory)
            crashGapRecorded = true
        }
        if crashed && !crashGapRecorded {
            try ledger.write(try ledger.recordGap(crashGap(camera: camera, from: lastEnd)), camera: camera, in: directory)
            crashGapRecorded = true
        }
        if crashGapRecorded { report.crashGaps += 1 }
        try FileSystem.syncDirectory(directory)
        report.segments += try FileSystem.list(directory).filter { $0.hasSuffix(".mkv.age") }.count
    }

    /// Names the truncated segment, hashes what is there, and seals its manifest.
    private func finishTruncated(name: String, stem: String, sequence: UInt64, camera: String, directory: String) throws -> TimePoint {
        let final = "\(directory)/\(stem).mkv.age"
        if name.hasSuffix(".partial") {
            try FileSystem.rename("\(directory)/\(name)", to: final)
        }
        let (size, digest, modified) = try FileDigest.sha256(path: final)
        let note = OpenSegmentNote(path: OpenSegmentNote.path(directory: directory, stem: stem))
        let now = TimePoint(wall: time.wallNow(), monotonic: time.monotonicNow(), clockSynced: clockSynced())
        let start = note?.start ?? now
        // The last write: the file's modification time, on the wall clock. On the monotonic
        // clock it is as far after the start as the wall clock says, if that is sane.
        // Both come from files (the note, the mtime): saturating arithmetic throughout.
        let elapsed = max(.zero, min(modified - start.wall, now.monotonic - start.monotonic))
        // The end belongs to the start's boot: the segment was written within one.
        let end = TimePoint(wall: modified, monotonic: start.monotonic + elapsed, clockSynced: start.clockSynced, boot: start.boot)
        // The frames are unknown until the centre decrypts what reached the disk
        // (`edge-centre decrypt --salvage`): null, not zero.
        let facts = SegmentFacts(
            camera: camera, file: "\(stem).mkv.age", start: start, end: end, frames: nil, firstFrame: nil, lastFrame: nil,
            codec: note?.codec, width: note?.width ?? 0, height: note?.height ?? 0,
            capture: note?.capture ?? "unknown", ciphertextSize: size, ciphertextSHA256: digest, truncated: true,
            reason: SegmentEnd.crash.rawValue)
        try ledger.write(try ledger.seal(facts, sequence: sequence), camera: camera, in: directory)
        return end
    }

    private func crashGap(camera: String, from: TimePoint?) -> GapFacts {
        let now = TimePoint(wall: time.wallNow(), monotonic: time.monotonicNow(), clockSynced: clockSynced(), boot: ledger.boot)
        return GapFacts(
            camera: camera, cause: .crash, start: from ?? now, end: now,
            detail: "the recorder did not stop cleanly (crash, kill or power loss); nothing was recorded until it restarted")
    }

    static func stem(of name: String) -> String {
        var s = Substring(name)
        for suffix in [".partial", ".age", ".mkv", ".json", ".open"] where s.hasSuffix(suffix) { s = s.dropLast(suffix.count) }
        return String(s)
    }
}
