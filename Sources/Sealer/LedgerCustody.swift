import Custody
import EdgeSystem
import SegmentRing

/// The ring's view of the chain of custody: loss records signed through the ledger, and
/// the segments' recorded ends read from their manifests.
public struct LedgerCustody: RingCustody {
    public let layout: RingLayout
    public let ledger: CustodyLedger
    private let time: any TimeSource
    private let clockSynced: @Sendable () -> Bool

    public init(
        layout: RingLayout, ledger: CustodyLedger, time: any TimeSource,
        clockSynced: @escaping @Sendable () -> Bool = ClockStatus.isSynchronised
    ) {
        self.layout = layout
        self.ledger = ledger
        self.time = time
        self.clockSynced = clockSynced
    }

    public func recordEvictedUnsent(camera: String, sequence: UInt64, stem: String, why: String) throws {
        let directory = layout.directory(camera: camera)
        let manifest = self.manifest(directory: directory, stem: stem)
        let now = TimePoint(wall: time.wallNow(), monotonic: time.monotonicNow(), clockSynced: clockSynced())
        let gap = GapFacts(
            camera: camera, cause: .evictedUnsent, start: manifest?.start ?? now, end: manifest?.end ?? now,
            detail: "evicted segment \(sequence) (\(stem).mkv.age) before upload: \(why)", covers: [sequence])
        try ledger.write(try ledger.recordGap(gap), camera: camera, in: directory)
    }

    public func synchronisedEnd(camera: String, stem: String) -> WallTime? {
        guard let m = manifest(directory: layout.directory(camera: camera), stem: stem), m.end.clockSynced else { return nil }
        return m.end.wall
    }

    private func manifest(directory: String, stem: String) -> Manifest? {
        try? ManifestParser.parse(try FileSystem.readFile("\(directory)/\(stem).json", limit: 1 << 20))
    }
}
