import EdgeCrypto
import EdgeJSON
import EdgeSystem
import SegmentRing
import Synchronization

/// One destination's uploading: picks from its queue, speaks the protocol through a
/// `Transport`, records acknowledgements, backs off. `step` does one unit of work on the
/// calling thread and never sleeps, so tests drive it with a fake transport and a manual
/// clock; `Uplink` calls it in a loop on the destination's threads.
final class DestinationUploader: Sendable {
    enum Step: Equatable {
        /// 200 and the acknowledgement recorded.
        case delivered(UploadItem)
        /// 409, 400, 403…: reported and parked.
        case parked(UploadItem)
        /// A retryable failure; the destination now backs off.
        case failed(UploadItem?)
        /// Nothing to do before this instant (back-off, closed window, empty queue).
        case wait(MonotonicInstant)
        case stopped
    }

    /// How often the ring's directories are listed again for new segments and holds.
    static let rescanInterval = Duration.seconds(2)
    /// PUTs in a row that the centre may answer 308/416 before that is a fault.
    static let maxRounds = 8
    /// Bytes a cut transfer must have moved for the back-off to start again from 1 s.
    static let progressWorthRetrying: Int64 = 64 << 10

    let destination: UplinkDestination
    let queue: UploadQueue
    let layout: RingLayout
    private let acknowledgements: any UploadAcknowledgements
    private let time: any TimeSource
    private let clockSynced: @Sendable () -> Bool
    private let random: @Sendable () -> Double
    private let events: @Sendable (UplinkEvent) -> Void
    let stop: StopSignal
    private let bucket: SharedTokenBucket?
    let shared = Mutex(Shared())

    struct Shared {
        var backoff = Backoff()
        var until: MonotonicInstant?
        var lastScan: MonotonicInstant?
        /// When the last listing that completed began: what it holds was sealed before then.
        var lastListed: MonotonicInstant?
        /// Per camera, the SHA-256 of the checkpoint this destination last took (this run).
        var checkpointsTaken: [String: [UInt8]] = [:]
        /// Set by each listing: every camera's changed checkpoint is still to be sent.
        var checkpointsDue = false
    }

    init(
        destination: UplinkDestination, layout: RingLayout, acknowledgements: any UploadAcknowledgements, holds: HoldBook, time: any TimeSource,
        stop: StopSignal, clockSynced: @escaping @Sendable () -> Bool, random: @escaping @Sendable () -> Double,
        events: @escaping @Sendable (UplinkEvent) -> Void
    ) {
        self.destination = destination
        self.layout = layout
        self.acknowledgements = acknowledgements
        self.time = time
        self.stop = stop
        self.clockSynced = clockSynced
        self.random = random
        self.events = events
        queue = UploadQueue(layout: layout, holds: holds, destination: destination)
        // A burst of one second, at least one 64 KiB read.
        bucket = destination.rateBytesPerSecond.map {
            SharedTokenBucket(TokenBucket(rate: $0, burst: max($0, 64 << 10), now: time.monotonicNow()))
        }
    }

    /// When the last completed listing of the ring's directories for this destination
    /// began: every segment sealed before that instant is in the queue (or delivered).
    var lastListed: MonotonicInstant? { shared.withLock { $0.lastListed } }

    /// Whether the last listing found checkpoints not yet all sent (a clean stop waits).
    var checkpointsDue: Bool { shared.withLock { $0.checkpointsDue } }

    /// The instant before which the destination does not try again, if it is backing off
    /// now (a back-off that has run out, before the next success, is not one).
    var backingOffUntil: MonotonicInstant? {
        let now = time.monotonicNow()
        return shared.withLock { $0.until.flatMap { $0 > now ? $0 : nil } }
    }

    func step(_ transport: any Transport) -> Step {
        if stop.isSet { return .stopped }
        let now = time.monotonicNow()
        if let until = shared.withLock({ $0.until }), now < until { return .wait(until) }
        if clockSynced(), let wait = UploadWindow.waitBeforeOpening(destination.windows, now: time.wallNow()) {
            // Looked at again at least every minute: the wall clock may step.
            return .wait(now + min(wait, .seconds(60)))
        }
        let scanDue = shared.withLock { s in
            guard s.lastScan.map({ now - $0 >= Self.rescanInterval }) ?? true else { return false }
            s.lastScan = now
            return true
        }
        if scanDue {
            do { try queue.refresh() } catch {
                return fail(nil, UplinkError(.storage, "cannot list the ring: \(error)", cause: error))
            }
            shared.withLock {
                $0.lastListed = now
                $0.checkpointsDue = true
            }
        }
        // The chains' heads go first, every camera's that changed, one a step: each is a
        // few hundred bytes, and they let the centre tell a store still catching up from
        // one that lost manifests. A failed one stays due, to go after the back-off.
        if checkpointsDue {
            if let due = dueCheckpoint() { return sendCheckpoint(due, transport) }
            shared.withLock { $0.checkpointsDue = false }
        }
        guard let (item, _) = queue.next() else { return .wait(now + Self.rescanInterval) }
        let step = attempt(item, transport)
        queue.finished(item, acknowledged: step == .delivered(item))
        return step
    }

    // MARK: - One item

    private func attempt(_ item: UploadItem, _ transport: any Transport) -> Step {
        let directory = layout.directory(camera: item.camera)
        let url = Self.join(destination.url, item.path)
        do {
            let manifest = try read("\(directory)/\(item.stem).json", limit: 1 << 20)
            let signature = try read("\(directory)/\(item.stem).json.minisig", limit: 64 << 10)
            if item.kind == .gap {
                let response = try transport.put(
                    url, headers: [("Edge-Signature", Base64.encode(signature, padded: true)), ("Content-Type", "application/json")],
                    body: .bytes(manifest), control: control(item, total: Int64(manifest.count), meter: TransferMeter()))
                return try answer(response, item, bytes: Int64(manifest.count))
            }
            let path = "\(directory)/\(item.stem).mkv.age"
            let size: Int64
            do { size = try FileSystem.size(path) } catch { throw UplinkError(.storage, "cannot read \(path): \(error)", cause: error) }
            var progress = queue.progress(of: item)
            if progress.needsHead {
                let head = try transport.head(url, headers: [], control: control(item, total: 0, meter: TransferMeter()))
                guard head.status == 200 || head.status == 404 else { return try answer(head, item, bytes: 0) }
                progress.offset = try offset(head, size: size, item: item, default: head.status == 404 ? 0 : nil)
                queue.record(item, offset: progress.offset, needsHead: false)
            }
            let headers = [
                ("Edge-Manifest", Base64.encode(manifest, padded: true)), ("Edge-Signature", Base64.encode(signature, padded: true)),
                ("Content-Type", "application/octet-stream"),
            ]
            var offset = progress.offset
            for _ in 0..<Self.maxRounds {
                let meter = TransferMeter()
                let response: TransportResponse
                do {
                    response = try transport.put(
                        url, headers: headers + [("Edge-Offset", String(offset))],
                        body: .file(path: path, offset: offset, length: size - offset),
                        control: control(item, total: size - offset, meter: meter))
                } catch {
                    // Cut mid-body: what reached the centre is unknown; ask it next time.
                    let sent = meter.sent.load(ordering: .relaxed)
                    if sent > 0 { queue.record(item, offset: offset, needsHead: true) }
                    // A link that cuts connections but still carries data is used, not
                    // backed off from for minutes: the retry comes after the first step.
                    if sent >= Self.progressWorthRetrying { shared.withLock { $0.backoff.succeeded() } }
                    throw error
                }
                guard response.status == 308 || response.status == 416 else { return try answer(response, item, bytes: size - offset) }
                offset = try self.offset(response, size: size, item: item, default: nil)
                queue.record(item, offset: offset, needsHead: false)
            }
            queue.record(item, offset: offset, needsHead: true)
            throw UplinkError(.protocolViolation, "\(item): the centre answered 308/416 \(Self.maxRounds) times in a row; asking it again later")
        } catch let error as UplinkError {
            if error.code == .stopped { return .stopped }
            return fail(item, error)
        } catch {
            return fail(item, UplinkError(.storage, "\(item): \(error)"))
        }
    }

    /// Acts on a final answer to a request about `item`.
    func answer(_ r: TransportResponse, _ item: UploadItem, bytes: Int64) throws(UplinkError) -> Step {
        let message = Self.message(r)
        switch r.status {
        case 200:
            do {
                switch item.kind {
                case .segment: try acknowledgements.markUploaded(camera: item.camera, sequence: item.sequence, destination: destination.name)
                case .gap: try acknowledgements.markGapUploaded(camera: item.camera, sequence: item.sequence, destination: destination.name)
                case .checkpoint: break  // recorded by sendCheckpoint: nothing in the ring changes
                }
            } catch {
                throw UplinkError(.storage, "\(item): stored by \(destination.name), but the acknowledgement could not be recorded: \(error)")
            }
            shared.withLock { s in
                s.backoff.succeeded()
                s.until = nil
            }
            events(.uploaded(destination: destination.name, item: item, bytes: bytes, duplicate: Self.status(r) == "duplicate"))
            return .delivered(item)
        case 409:
            queue.park(item, reason: "409 conflict: \(message)")
            events(.conflict(destination: destination.name, item: item, message: message))
            return .parked(item)
        case 429, 503:
            let error = UplinkError(.centre, "\(item): \(destination.name) answered \(r.status) (come back later): \(message)")
            return fail(item, error, retryAfter: Backoff.retryAfter(r[header: "Retry-After"]))
        case 408, 500...599:
            throw UplinkError(.centre, "\(item): \(destination.name) answered \(r.status): \(message)")
        case 422:
            // The centre had every byte but the hash did not match, and dropped them: the
            // bytes were damaged on the way. Sent again from the start after a back-off.
            throw UplinkError(.centre, "\(item): \(destination.name) received it damaged (422), sending it again: \(message)")
        case 403:
            // Not registered yet, or the registered key is not this box's: the centre's IT
            // fixes that without touching the box, so the refusal is reported and the item
            // tried again after the back-off (never parked: the box catches up by itself).
            events(.rejected(destination: destination.name, item: item, status: r.status, message: message))
            return fail(item, UplinkError(.centre, "\(item): \(destination.name) refused it (403): \(message)"))
        case 400...499:
            // Not retried unchanged; and a run of refusals (a key the centre does not know)
            // is spaced out by the back-off, so the centre is not hammered.
            queue.park(item, reason: "\(r.status): \(message)")
            events(.rejected(destination: destination.name, item: item, status: r.status, message: message))
            _ = backOff(UplinkError(.centre, "\(item): \(destination.name) refused it (\(r.status)): \(message)"), retryAfter: nil)
            return .parked(item)
        default:
            throw UplinkError(.protocolViolation, "\(item): \(destination.name) answered \(r.status), which the protocol does not have")
        }
    }

    /// The `Edge-Offset` of an answer, which must lie within the segment.
    private func offset(_ r: TransportResponse, size: Int64, item: UploadItem, default fallback: Int64?) throws(UplinkError) -> Int64 {
        guard let text = r[header: "Edge-Offset"] else {
            if let fallback { return fallback }
            throw UplinkError(.protocolViolation, "\(item): \(r.status) without Edge-Offset from \(destination.name)")
        }
        guard let n = Int64(text.trimmingSpaces), (0...size).contains(n) else {
            queue.record(item, offset: 0, needsHead: true)
            throw UplinkError(.protocolViolation, "\(item): Edge-Offset \"\(text)\" from \(destination.name) is outside the segment's \(size) bytes")
        }
        return n
    }

    func fail(_ item: UploadItem?, _ error: UplinkError, retryAfter: Duration? = nil) -> Step {
        _ = backOff(error, retryAfter: retryAfter)
        return .failed(item)
    }

    private func backOff(_ error: UplinkError, retryAfter: Duration?) -> Duration {
        let now = time.monotonicNow()
        let delay = shared.withLock { s in
            let d = s.backoff.failed(retryAfter: retryAfter, random: random())
            s.until = now + d
            return d
        }
        events(.backingOff(destination: destination.name, error: error, delay: delay))
        return delay
    }

    func control(_ item: UploadItem, total: Int64, meter: TransferMeter) -> TransferControl {
        meter.reported.store(time.monotonicNow().nanoseconds, ordering: .relaxed)
        return TransferControl(
            shouldStop: { [stop] in stop.isSet },
            pace: { [bucket, time, stop] count in
                guard let bucket else { return !stop.isSet }
                let until = bucket.take(count, now: time.monotonicNow())
                if until > time.monotonicNow(), time.wait(until: until, orStop: stop.wakeup) { return false }
                return !stop.isSet
            },
            progress: { [time, events, destination] n in
                meter.sent.store(n, ordering: .relaxed)
                let now = time.monotonicNow().nanoseconds
                guard total > 0, n > 0, now - meter.reported.load(ordering: .relaxed) >= 1_000_000_000 || n == total,
                      meter.lastSent.exchange(n, ordering: .relaxed) != n
                else { return }
                meter.reported.store(now, ordering: .relaxed)
                events(.progress(destination: destination.name, item: item, sent: n, total: total))
            },
            rateBytesPerSecond: destination.rateBytesPerSecond)
    }

    func read(_ path: String, limit: Int) throws(UplinkError) -> [UInt8] {
        do { return try FileSystem.readFile(path, limit: limit) } catch {
            throw UplinkError(.storage, "cannot read \(path): \(error)", cause: error)
        }
    }

    static func join(_ base: String, _ path: String) -> String {
        var b = Substring(base)
        while b.hasSuffix("/") { b.removeLast() }
        return String(b) + path
    }

    /// The `error` text of a JSON answer, else the start of the body.
    static func message(_ r: TransportResponse) -> String {
        if let v = try? JSONParser.parse(r.body), case .string(let e)? = v["error"] { return e }
        let text = String(decoding: r.body.prefix(200), as: UTF8.self).trimmingSpaces
        return text.isEmpty ? "HTTP \(r.status)" : text
    }

    static func status(_ r: TransportResponse) -> String? {
        if let v = try? JSONParser.parse(r.body), case .string(let s)? = v["status"] { return s }
        return nil
    }
}

/// What one request has sent, and when progress was last reported.
final class TransferMeter: Sendable {
    let sent = Atomic<Int64>(0)
    let reported = Atomic<Int64>(0)
    let lastSent = Atomic<Int64>(-1)
}
