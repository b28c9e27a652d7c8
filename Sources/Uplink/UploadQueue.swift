import EdgeSystem
import SegmentRing
import Synchronization

/// What one destination still has to upload, built from the ring's directories: an item
/// is pending while its `.ack-<destination>` file is missing. The ring is the state, so
/// a restart (or a crash) rebuilds the same queue; nothing else is persisted.
///
/// Picking order: held evidence first (oldest first); then live, a camera's `liveDepth`
/// newest (newest first); then backfill (oldest first). Cameras take turns within a
/// class. When live and backfill both wait, one pick in `backfillEvery` is backfill, so
/// hours of backfill move without holding back live, and with several transfers at once
/// backfill never takes the last free one.
public final class UploadQueue: Sendable {
    public let destination: String
    let layout: RingLayout
    let holds: HoldBook
    let liveDepth: Int
    let backfillEvery: Int
    let concurrency: Int
    private let state = Mutex(State())

    /// What this run knows about an item beyond the ring's files.
    struct Progress {
        /// Where to resume, from the centre's last `Edge-Offset`.
        var offset: Int64 = 0
        /// A previous attempt failed mid-body: ask the centre (HEAD) before sending.
        var needsHead = false
        /// Not retried until restart (409 conflict, 400/403 refusal), and why.
        var parked: String?
    }

    struct State {
        var pending: [UploadItem] = []
        var newest: [String: UInt64] = [:]
        var held: [Hold] = []
        var progress: [UploadItem: Progress] = [:]
        var inFlight: [UploadItem: UploadClass] = [:]
        var livePicks = 0
        var lastCamera: [UploadClass: String] = [:]
    }

    public init(layout: RingLayout, holds: HoldBook, destination: String, liveDepth: Int = 6, backfillEvery: Int = 3, concurrency: Int = 1) {
        self.layout = layout
        self.holds = holds
        self.destination = destination
        self.liveDepth = liveDepth
        self.backfillEvery = max(1, backfillEvery)
        self.concurrency = max(1, concurrency)
    }

    convenience init(layout: RingLayout, holds: HoldBook, destination: UplinkDestination) {
        self.init(
            layout: layout, holds: holds, destination: destination.name, liveDepth: destination.liveDepth,
            backfillEvery: destination.backfillEvery, concurrency: destination.concurrency)
    }

    /// Rebuilds the pending list from the ring's directories and the holds.
    public func refresh() throws(SystemError) {
        var pending: [UploadItem] = []
        var newest: [String: UInt64] = [:]
        let ack = ".ack-" + destination
        let cameras = FileSystem.exists(layout.root) ? try FileSystem.list(layout.root) : []
        for camera in cameras.sorted() where !camera.hasPrefix(".") {
            // A plain file in ring/ (`.running`, or anything else) is no camera.
            guard let names = try? FileSystem.list(layout.directory(camera: camera)) else { continue }
            var files: [String: (segment: Bool, manifest: Bool, signature: Bool, acked: Bool, sequence: UInt64)] = [:]
            for name in names {
                guard let sequence = RingLayout.sequence(ofName: name), !name.hasSuffix(".partial"), !name.hasSuffix(".open") else { continue }
                let stem = String(name.prefix { $0 != "." })
                let rest = name.dropFirst(stem.count)
                var f = files[stem] ?? (false, false, false, false, sequence)
                switch rest {
                case ".mkv.age": f.segment = true
                case ".json": f.manifest = true
                case ".json.minisig": f.signature = true
                case ack: f.acked = true
                default: break
                }
                files[stem] = f
                newest[camera] = max(newest[camera] ?? 0, sequence)
            }
            for (stem, f) in files where !f.acked && f.manifest && f.signature {
                let gap = stem.hasSuffix("-gap")
                // A segment whose file was evicted unsent has a loss record of its own.
                guard gap || f.segment else { continue }
                pending.append(UploadItem(camera: camera, sequence: f.sequence, kind: gap ? .gap : .segment, stem: stem))
            }
        }
        pending.sort { ($0.camera, $0.sequence) < ($1.camera, $1.sequence) }
        let held = holds.all()
        state.withLock { s in
            s.pending = pending
            s.newest = newest
            s.held = held
            let keep = Set(pending)
            s.progress = s.progress.filter { keep.contains($0.key) }
        }
    }

    /// Items not yet acknowledged, parked ones included.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// The items not yet acknowledged, per camera in sequence order.
    public var pendingItems: [UploadItem] { state.withLock { $0.pending } }

    /// Items parked after a conflict or a refusal, with the reason.
    public var parked: [(UploadItem, String)] {
        state.withLock { s in s.pending.compactMap { item in s.progress[item]?.parked.map { (item, $0) } } }
    }

    /// The class `item` belongs to now.
    public func priorityClass(of item: UploadItem) -> UploadClass {
        state.withLock { classify(item, $0) }
    }

    private func classify(_ item: UploadItem, _ s: State) -> UploadClass {
        if s.held.contains(where: { $0.covers(camera: item.camera, sequence: item.sequence) }) { return .held }
        let newest = s.newest[item.camera] ?? item.sequence
        return item.sequence + UInt64(liveDepth) > newest ? .live : .backfill
    }

    /// The next item to send, marked in flight until `finished`; nil when nothing may go now.
    public func next() -> (item: UploadItem, priority: UploadClass)? {
        state.withLock { s in
            // The best item per class and camera: one partly sent first (a link that cuts
            // connections still finishes segments), then held and backfill oldest, live newest.
            func started(_ item: UploadItem) -> Bool { s.progress[item].map { $0.offset > 0 || $0.needsHead } ?? false }
            var best: [UploadClass: [String: UploadItem]] = [:]
            for item in s.pending where s.inFlight[item] == nil && s.progress[item]?.parked == nil {
                let c = classify(item, s)
                if let current = best[c]?[item.camera] {
                    let better =
                        started(item) != started(current)
                        ? started(item)
                        : c == .live ? item.sequence > current.sequence : item.sequence < current.sequence
                    if !better { continue }
                }
                best[c, default: [:]][item.camera] = item
            }
            let backfillInFlight = s.inFlight.values.filter { $0 == .backfill }.count
            let backfillAllowed = concurrency == 1 || backfillInFlight < concurrency - 1
            let chosen: UploadClass
            if best[.held] != nil {
                chosen = .held
            } else if best[.live] != nil, best[.backfill] != nil, backfillAllowed {
                chosen = s.livePicks >= backfillEvery - 1 ? .backfill : .live
            } else if best[.live] != nil {
                chosen = .live
            } else if best[.backfill] != nil, backfillAllowed {
                chosen = .backfill
            } else {
                return nil
            }
            // Cameras take turns: the first camera after the one last picked in this class.
            let candidates = best[chosen]!
            let cameras = candidates.keys.sorted()
            let last = s.lastCamera[chosen]
            let camera = cameras.first { last == nil || $0 > last! } ?? cameras[0]
            let item = candidates[camera]!
            s.lastCamera[chosen] = camera
            switch chosen {
            case .live: s.livePicks = min(s.livePicks + 1, backfillEvery)
            case .backfill: s.livePicks = 0
            case .held: break
            }
            s.inFlight[item] = chosen
            return (item, chosen)
        }
    }

    /// The attempt on `item` ended: acknowledged (gone from the queue) or not.
    public func finished(_ item: UploadItem, acknowledged: Bool) {
        state.withLock { s in
            s.inFlight[item] = nil
            if acknowledged {
                s.pending.removeAll { $0 == item }
                s.progress[item] = nil
            }
        }
    }

    /// Stops retrying `item` until restart, for `reason`.
    public func park(_ item: UploadItem, reason: String) {
        state.withLock { $0.progress[item, default: Progress()].parked = reason }
    }

    func progress(of item: UploadItem) -> Progress {
        state.withLock { $0.progress[item] ?? Progress() }
    }

    func record(_ item: UploadItem, offset: Int64, needsHead: Bool) {
        state.withLock { s in
            s.progress[item, default: Progress()].offset = offset
            s.progress[item, default: Progress()].needsHead = needsHead
        }
    }
}
