import EdgeCore
import EdgeSystem
import SegmentRing
import Synchronization
import Uplink

/// What the daemon knows about each destination beyond its queue: the last error, the last
/// delivery and the rate over the last minute (from the uplink's events), and the backlog
/// in bytes and age (from the queue and the ring).
package final class UplinkTracker: Sendable {
    package struct Destination: Sendable {
        package var lastError: String?
        package var lastErrorAt: WallTime?
        package var lastUploadAt: WallTime?
        package var errors: Int64 = 0
        /// Deliveries in the last minute: when, and how many bytes.
        package var recent: [(at: MonotonicInstant, bytes: Int64)] = []
        /// When bytes last moved, or an attempt last ended (delivered or failed).
        package var lastActivity: MonotonicInstant?
    }

    private let time: any TimeSource
    private let state = Mutex<[String: Destination]>([:])
    package static let rateWindow = Duration.seconds(60)

    package let startedAt: MonotonicInstant

    package init(time: any TimeSource) {
        self.time = time
        startedAt = time.monotonicNow()
    }

    /// Body bytes moved for `destination` (the uplink's progress events, about once a second).
    package func moved(_ destination: String) {
        let now = time.monotonicNow()
        state.withLock { $0[destination, default: Destination()].lastActivity = now }
    }

    package func lastActivity(_ name: String) -> MonotonicInstant { destination(name).lastActivity ?? startedAt }

    package func observe(_ event: DaemonEvent) {
        guard let name = event.string("destination") else { return }
        let (wall, now) = (time.wallNow(), time.monotonicNow())
        state.withLock { all in
            var d = all[name] ?? Destination()
            d.lastActivity = now
            switch event.kind {
            case .segmentUploaded:
                d.lastUploadAt = wall
                d.recent.append((now, event.integer("bytes") ?? 0))
                d.recent.removeAll { now - $0.at > Self.rateWindow }
            case .uploadFailed, .uploadRefused, .uploadConflict:
                d.lastError = event.string("why")
                d.lastErrorAt = wall
                d.errors += 1
            default: break
            }
            all[name] = d
        }
    }

    package func destination(_ name: String) -> Destination { state.withLock { $0[name] ?? Destination() } }

    /// Bytes a second delivered over the last minute.
    package func rate(_ name: String) -> Int64 {
        let now = time.monotonicNow()
        let bytes = destination(name).recent.filter { now - $0.at <= Self.rateWindow }.reduce(Int64(0)) { $0 + $1.bytes }
        return bytes / Int64(Self.rateWindow.seconds)
    }

    /// A destination's backlog: bytes waiting and the age of the oldest segment waiting.
    package struct Backlog: Sendable {
        package var destination: String
        package var items: Int
        package var bytes: Int64
        package var oldestSeconds: Int64?
        package var rateCap: Int64?
    }

    package static func backlogs(_ uplink: Uplink, listing: [RingListing], now: WallTime) -> [Backlog] {
        var sizes: [String: [UInt64: Int64]] = [:]
        for l in listing { sizes[l.camera, default: [:]][l.sequence] = l.bytes }
        return uplink.backlog().map { d in
            let bytes = d.items.reduce(Int64(0)) { $0 + (sizes[$1.camera]?[$1.sequence] ?? 0) }
            let oldest = d.items.compactMap { WallTime(stem: $0.stem) }.min()
            return Backlog(
                destination: d.destination, items: d.items.count, bytes: bytes,
                oldestSeconds: oldest.map { max(0, (now.nanosecondsSinceEpoch - $0.nanosecondsSinceEpoch) / 1_000_000_000) },
                rateCap: d.rateBytesPerSecond)
        }
    }
}

extension WallTime {
    /// The start time in a ring file's stem, `00000042-20261129T143301Z`.
    package init?(stem: String) {
        guard let dash = stem.firstIndex(of: "-") else { return nil }
        self.init(compactUTC: stem[stem.index(after: dash)...])
    }
}
