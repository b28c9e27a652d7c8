import AgeEncryption
import Custody
import EdgeCore
import EdgeSystem
import SegmentRing
import Segmenter

/// Segments sealed as they are written: Matroska → age (to the centre's recipients) →
/// SHA-256 → file. No plaintext reaches the disk, not even in a temporary file. Each
/// finished segment gets a signed manifest in the camera's chain.
///
/// Order on commit (a crash at any point leaves something recovery understands):
/// seal the last chunk, fsync, rename `.partial` away, write the manifest and its
/// signature (each fsynced and renamed), fsync the directory.
public final class SealedSegmentStore: SegmentStore {
    public let layout: RingLayout
    private let recipients: [AgeRecipient]
    private let ledger: CustodyLedger
    let time: any TimeSource
    private let syncInterval: Duration
    let clockSynced: @Sendable () -> Bool
    private let keeper: RingKeeper?
    private let events: @Sendable (RingEvent) -> Void
    /// After a storage fault, no new segment is tried before this instant: a pulled card
    /// or a full disk is not hammered once per frame.
    private var faultUntil: MonotonicInstant?
    static let faultRetry = Duration.seconds(5)
    /// Why recording of the camera stopped last, for the gap the next segment closes: a
    /// camera loss (set by `recordGap`'s caller) or a storage fault here. Nil: a start.
    var interruption: (cause: GapCause, detail: String)?

    public init(
        layout: RingLayout, recipients: [AgeRecipient], ledger: CustodyLedger, time: any TimeSource,
        syncInterval: Duration = .seconds(2), keeper: RingKeeper? = nil,
        events: @escaping @Sendable (RingEvent) -> Void = { _ in },
        clockSynced: @escaping @Sendable () -> Bool = ClockStatus.isSynchronised
    ) throws(SystemError) {
        self.keeper = keeper
        self.events = events
        precondition(!recipients.isEmpty, "a sealed store needs at least one recipient")
        self.layout = layout
        self.recipients = recipients
        self.ledger = ledger
        self.time = time
        self.syncInterval = syncInterval
        self.clockSynced = clockSynced
        try FileSystem.makeDirectories(layout.root, mode: 0o750)
    }

    public func beginSegment(_ opening: SegmentOpening) throws -> any SegmentOutput {
        if let until = faultUntil {
            let now = time.monotonicNow()
            guard now >= until else {
                throw RingError(.storage, "recording paused after a storage fault or a full ring; retrying every \(Int(Self.faultRetry.seconds)) s")
            }
            faultUntil = nil
        }
        do {
            try closeTimeGap(before: opening)
            return try open(opening)
        } catch let full as RingKeeper.Full {
            faultUntil = time.monotonicNow() + Self.faultRetry
            interruption = (.diskFull, full.description)
            events(.full(full.description))
            throw full
        } catch {
            fault(error)
            throw error
        }
    }

    /// A write to the ring failed (ENOSPC, EIO, EROFS, a vanished mount, or the chain's
    /// own files): report it once, and try no new segment for a while.
    fileprivate func fault(_ error: any Error) {
        faultUntil = time.monotonicNow() + Self.faultRetry
        interruption = (.diskFull, "storage fault: \(error)")
        events(.storageFault("\(error): recording paused; retrying every \(Int(Self.faultRetry.seconds)) s"))
    }

    private func open(_ opening: SegmentOpening) throws -> any SegmentOutput {
        let directory = layout.directory(camera: opening.camera)
        try FileSystem.makeDirectories(directory, mode: 0o750)
        if let keeper { for eviction in try keeper.enforce() { events(.evicted(eviction)) } }
        let sequence = try ledger.reserveSequence(camera: opening.camera)
        let stem = RingLayout.stem(sequence: sequence, start: opening.startWall)
        let start = TimePoint(wall: opening.startWall, monotonic: opening.startMonotonic, clockSynced: clockSynced(), boot: ledger.boot)
        let note = OpenSegmentNote(
            start: start, codec: opening.format.codec.matroskaCodecID, width: opening.format.size.width,
            height: opening.format.size.height, capture: opening.format.description)
        try FileSystem.writeAtomically(note.json, to: OpenSegmentNote.path(directory: directory, stem: stem))
        return try SealedSegmentOutput(
            store: self, directory: directory, stem: stem, sequence: sequence, start: start)
    }

    /// The wall-clock time at which the monotonic clock read `instant`.
    func wallTime(of instant: MonotonicInstant) -> WallTime {
        time.wallNow() - (time.monotonicNow() - instant)
    }

    fileprivate var sealing: (recipients: [AgeRecipient], time: any TimeSource, interval: Duration) {
        (recipients, time, syncInterval)
    }
    var custody: CustodyLedger { ledger }

    /// After a segment is sealed: index it and keep the ring within bounds. A full ring
    /// does not fail the segment just sealed; the next one will not start.
    fileprivate func sealed(camera: String, sequence: UInt64, stem: String) {
        guard let keeper else { return }
        keeper.added(camera: camera, sequence: sequence, stem: stem)
        do {
            for eviction in try keeper.enforce() { events(.evicted(eviction)) }
        } catch {
            events(.full("\(error)"))
        }
    }
    fileprivate var synced: Bool { clockSynced() }
}

/// One segment being sealed into the ring.
final class SealedSegmentOutput: SegmentOutput {
    let sequence: UInt64
    let path: String
    private let partialPath: String
    private let directory: String
    private let stem: String
    private let start: TimePoint
    private let store: SealedSegmentStore
    private let file: SyncedFile
    private let hasher: HashingSink
    private let age: AgeWriter

    fileprivate init(store: SealedSegmentStore, directory: String, stem: String, sequence: UInt64, start: TimePoint) throws {
        self.store = store
        self.directory = directory
        self.stem = stem
        self.sequence = sequence
        self.start = start
        path = "\(directory)/\(stem).mkv.age"
        partialPath = path + ".partial"
        let sealing = store.sealing
        file = try SyncedFile(path: partialPath, time: sealing.time, syncInterval: sealing.interval)
        hasher = try HashingSink(file)
        age = try AgeWriter(recipients: sealing.recipients, output: hasher)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try age.write(bytes) } catch {
            store.fault(error)
            throw error
        }
    }

    func flush() throws {
        do { try age.flush() } catch {
            store.fault(error)
            throw error
        }
    }

    func commit(_ summary: SegmentSummary) throws {
        try age.finish()
        try age.flush()
        try file.finish()
        try FileSystem.rename(partialPath, to: path)
        let endMonotonic = summary.startMonotonic + summary.duration
        let end = TimePoint(wall: store.wallTime(of: endMonotonic), monotonic: endMonotonic, clockSynced: store.synced, boot: start.boot)
        let facts = SegmentFacts(
            camera: summary.camera, file: "\(stem).mkv.age", start: start, end: end, frames: summary.frames,
            firstFrame: summary.firstFrame, lastFrame: summary.lastFrame, codec: summary.format.codec.matroskaCodecID,
            width: summary.format.size.width, height: summary.format.size.height, capture: summary.format.description,
            ciphertextSize: hasher.count, ciphertextSHA256: try hasher.digest(), truncated: false,
            reason: summary.reason.rawValue)
        let signed = try store.custody.seal(facts, sequence: sequence)
        try store.custody.write(signed, camera: summary.camera, in: directory)
        try FileSystem.remove(OpenSegmentNote.path(directory: directory, stem: stem))
        try FileSystem.syncDirectory(directory)
        store.sealed(camera: summary.camera, sequence: sequence, stem: stem)
    }

    func abandon() { file.abandon() }
}

/// What the ring did or could not do, for logs and metrics.
public enum RingEvent: Sendable {
    case evicted(RingKeeper.Eviction)
    /// The ring is full and recording cannot go on (a hold, or the stop-recording policy).
    case full(String)
    /// The storage refused a write (full, read-only, gone).
    case storageFault(String)
}
