import EdgeSystem
import Synchronization

/// Keeps the ring within its bounds, for every camera at once.
///
/// The index (what is on disk, per camera, by sequence) is built by one directory scan at
/// start and kept up to date as segments are sealed and evicted. Eviction order:
/// uploaded segments first, then unsent ones (each with a signed `evicted-unsent` loss
/// record in its camera's chain); always the lowest sequence of the camera using the
/// most space, never by wall-clock time; never a held segment.
public final class RingKeeper: Sendable {
    public struct Eviction: Sendable, Equatable {
        public var camera: String
        public var sequence: UInt64
        public var bytes: Int64
        public var wasUploaded: Bool
        public var why: String
    }

    /// Why recording cannot go on, when it cannot.
    public struct Full: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    struct State {
        var index: [String: [RingEntry]] = [:]
        var evictedUnsent: UInt64 = 0
    }

    let layout: RingLayout
    let holds: HoldBook
    let bounds: RingBounds
    /// Signs loss records; nil for a keeper that only places holds (`edgectl`, offline).
    private let custody: (any RingCustody)?
    private let time: any TimeSource
    private let clockSynced: @Sendable () -> Bool
    private let free: @Sendable (String) -> Int64?
    let state = Mutex(State())
    /// Held through a whole `enforce`: each camera enforces the bounds as it seals, and
    /// two at once would pick the same victim (a second loss record for one segment).
    private let enforcing = Mutex(())

    public init(
        layout: RingLayout, holds: HoldBook, bounds: RingBounds, custody: (any RingCustody)?, time: any TimeSource,
        clockSynced: @escaping @Sendable () -> Bool = ClockStatus.isSynchronised,
        freeBytes: @escaping @Sendable (String) -> Int64? = { freeBytes(at: $0) }
    ) {
        self.layout = layout
        self.holds = holds
        self.bounds = bounds
        self.custody = custody
        self.time = time
        self.clockSynced = clockSynced
        free = freeBytes
    }

    /// Segments evicted before upload since start (a metric).
    public var evictedUnsentCount: UInt64 { state.withLock { $0.evictedUnsent } }

    /// Bytes in the ring, per camera.
    public var usage: [String: Int64] {
        state.withLock { $0.index.mapValues { $0.reduce(0) { $0 + $1.bytes } } }
    }

    /// Builds the index from the ring's directories.
    public func scan() throws {
        var index: [String: [RingEntry]] = [:]
        for camera in try FileSystem.list(layout.root) where !camera.hasPrefix(".") {
            let directory = layout.directory(camera: camera)
            var entries: [UInt64: RingEntry] = [:]
            for name in try FileSystem.list(directory) {
                guard let sequence = RingLayout.sequence(ofName: name), !name.hasSuffix(".partial"), !name.hasSuffix(".open") else { continue }
                let size = (try? FileSystem.size("\(directory)/\(name)")) ?? 0
                var entry = entries[sequence] ?? RingEntry(sequence: sequence, stem: "", segmentBytes: 0, manifestBytes: 0, uploaded: false)
                if name.contains(".ack-") {
                    entry.uploaded = true
                } else if name.hasSuffix(".mkv.age") {
                    entry.segmentBytes = size
                    entry.stem = String(name.dropLast(8))
                } else {
                    entry.manifestBytes += size
                }
                entries[sequence] = entry
            }
            index[camera] = entries.values.sorted { $0.sequence < $1.sequence }
        }
        state.withLock { $0.index = index }
    }

    /// Records a segment just sealed.
    public func added(camera: String, sequence: UInt64, stem: String) {
        let directory = layout.directory(camera: camera)
        let segment = (try? FileSystem.size("\(directory)/\(stem).mkv.age")) ?? 0
        let manifest = ((try? FileSystem.size("\(directory)/\(stem).json")) ?? 0) + ((try? FileSystem.size("\(directory)/\(stem).json.minisig")) ?? 0)
        state.withLock { s in
            s.index[camera, default: []].append(RingEntry(sequence: sequence, stem: stem, segmentBytes: segment, manifestBytes: manifest, uploaded: false))
        }
    }

    /// Records, crash-safely, that `destination` acknowledged `camera`'s segment
    /// `sequence`: an empty `<stem>.ack-<destination>` file, created under a temporary name
    /// and renamed, then the directory fsynced. The directory stays the index; an
    /// acknowledged segment is the first to go when space runs short.
    public func markUploaded(camera: String, sequence: UInt64, destination: String) throws {
        guard let entry = state.withLock({ $0.index[camera]?.first { $0.sequence == sequence } }), !entry.stem.isEmpty else {
            throw RingError(.corrupt, "camera \(camera) has no segment \(sequence) in the ring")
        }
        guard destination.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }), !destination.isEmpty else {
            throw RingError(.corrupt, "destination name \"\(destination)\" must be a-z, 0-9 and '-'")
        }
        let directory = layout.directory(camera: camera)
        try FileSystem.writeAtomically([], to: "\(directory)/\(entry.stem).ack-\(destination)")
        try FileSystem.syncDirectory(directory)
        state.withLock { s in
            if let i = s.index[camera]?.firstIndex(where: { $0.sequence == sequence }) { s.index[camera]![i].uploaded = true }
        }
    }

    /// Evicts until the ring is within its bounds. Throws `Full` when it cannot get there
    /// without breaking a rule (a hold, or the stop-recording policy).
    @discardableResult
    public func enforce() throws -> [Eviction] {
        try enforcing.withLock { _ in try enforceAlone() }
    }

    private func enforceAlone() throws -> [Eviction] {
        var evictions: [Eviction] = []
        let held = holds.all()
        while let (camera, why) = overLimit() {
            guard let victim = pickVictim(camera: camera, held: held) else {
                throw Full(description: "ring full (\(why)) and every remaining segment is held: release a hold or free space")
            }
            if !victim.entry.uploaded && !bounds.evictUnsent {
                throw Full(description: "ring full (\(why)); policy stop-recording keeps unsent segments: recording stops until space is freed")
            }
            try evict(victim.camera, victim.entry, why: why)
            evictions.append(Eviction(camera: victim.camera, sequence: victim.entry.sequence, bytes: victim.entry.segmentBytes, wasUploaded: victim.entry.uploaded, why: why))
        }
        return evictions
    }

    /// The first bound the ring is over, and the camera it concerns (nil for all).
    private func overLimit() -> (String?, String)? {
        let usage = self.usage
        if bounds.cameraMaxBytes > 0, let (camera, bytes) = usage.max(by: { $0.value < $1.value }), bytes > bounds.cameraMaxBytes {
            return (camera, "camera \(camera) uses \(Self.size(bytes)) of its \(Self.size(bounds.cameraMaxBytes))")
        }
        let total = usage.values.reduce(0, +)
        if bounds.maxBytes > 0, total > bounds.maxBytes {
            return (nil, "the ring uses \(Self.size(total)) of its \(Self.size(bounds.maxBytes))")
        }
        if bounds.minFreeBytes > 0, let free = free(layout.root), free < bounds.minFreeBytes {
            return (nil, "\(Self.size(free)) free on the filesystem, below the \(Self.size(bounds.minFreeBytes)) floor")
        }
        if let maxAge = bounds.maxAge, let (camera, age) = oldestSyncedAge(), age > maxAge {
            return (camera, "camera \(camera)'s oldest segment ended \(Int(age.seconds / 3600)) h ago, past the \(Int(maxAge.seconds / 3600)) h limit")
        }
        return nil
    }

    private func pickVictim(camera: String?, held: [Hold]) -> (camera: String, entry: RingEntry)? {
        let index = state.withLock { $0.index }
        let cameras = camera.map { [$0] } ?? index.keys.sorted { (index[$0]?.reduce(0) { $0 + $1.bytes } ?? 0) > (index[$1]?.reduce(0) { $0 + $1.bytes } ?? 0) }
        for uploadedPass in [true, false] {
            for c in cameras {
                let entry = index[c]?.first { e in
                    !e.isEvicted && e.uploaded == uploadedPass && !held.contains { $0.covers(camera: c, sequence: e.sequence) }
                }
                if let entry { return (c, entry) }
            }
        }
        return nil
    }

    private func evict(_ camera: String, _ entry: RingEntry, why: String) throws {
        let directory = layout.directory(camera: camera)
        guard let custody else { throw RingError(.storage, "this keeper cannot evict: it has no device key to sign loss records") }
        if !entry.uploaded {
            // The loss record first: if the removal then fails, nothing is lost unrecorded.
            try custody.recordEvictedUnsent(camera: camera, sequence: entry.sequence, stem: entry.stem, why: why)
        }
        try FileSystem.remove("\(directory)/\(entry.stem).mkv.age")
        try FileSystem.syncDirectory(directory)
        state.withLock { s in
            if let i = s.index[camera]?.firstIndex(where: { $0.sequence == entry.sequence }) { s.index[camera]![i].segmentBytes = 0 }
            if !entry.uploaded { s.evictedUnsent += 1 }
        }
    }

    /// The oldest unevicted segment's age by its recorded end, when that end and the clock
    /// now are both synchronised.
    private func oldestSyncedAge() -> (String, Duration)? {
        guard clockSynced() else { return nil }
        let index = state.withLock { $0.index }
        var oldest: (String, Duration)?
        for (camera, entries) in index {
            guard let entry = entries.first(where: { !$0.isEvicted }) else { continue }
            guard let end = custody?.synchronisedEnd(camera: camera, stem: entry.stem) else { continue }
            let age = time.wallNow() - end
            if oldest == nil || age > oldest!.1 { oldest = (camera, age) }
        }
        return oldest
    }

    /// `12 MiB`, or `300 KiB` below a MiB.
    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// Places a hold on `camera`'s segments `from…to`, unless held evidence would then
    /// exceed the hold quota.
    public func hold(_ hold: Hold) throws {
        let index = state.withLock { $0.index }
        let existing = holds.all()
        var heldBytes: Int64 = 0
        for (camera, entries) in index {
            for e in entries where existing.contains(where: { $0.covers(camera: camera, sequence: e.sequence) }) || hold.covers(camera: camera, sequence: e.sequence) {
                heldBytes += e.bytes
            }
        }
        guard bounds.holdMaxBytes == 0 || heldBytes <= bounds.holdMaxBytes else {
            throw Full(description: "hold refused: held evidence would take \(Self.size(heldBytes)), over the \(Self.size(bounds.holdMaxBytes)) hold quota; release an older hold or raise storage.holdMaxMiB")
        }
        try holds.place(hold)
    }
}
