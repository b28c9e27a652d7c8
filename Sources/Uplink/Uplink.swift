import EdgeSystem
import SegmentRing

/// Uploads the ring to every destination, each with its own queue, back-off and threads,
/// so one centre being down holds back no other. Blocking libcurl calls run on threads of
/// their own, never on Swift's cooperative pool. `stop()` ends every transfer promptly
/// (libcurl's progress callback aborts it); what was cut is resumed after restart.
public final class Uplink: Sendable {
    private let uploaders: [DestinationUploader]
    private let stopSignal: StopSignal
    private let finished: [Wakeup]

    /// Builds the destinations' transport; the default is libcurl's.
    public typealias TransportFactory = @Sendable (UplinkDestination) throws(UplinkError) -> any Transport

    private init(uploaders: [DestinationUploader], stop: StopSignal, finished: [Wakeup]) {
        self.uploaders = uploaders
        stopSignal = stop
        self.finished = finished
    }

    /// Starts `destination.concurrency` threads per destination. Throws for settings that
    /// cannot work (see `UplinkDestination.problems()`), before any thread starts.
    public static func start(
        ring: RingLayout, acknowledgements: any UploadAcknowledgements, holds: HoldBook, destinations: [UplinkDestination],
        time: any TimeSource = SystemTime(), clockSynced: @escaping @Sendable () -> Bool = ClockStatus.isSynchronised,
        transport: @escaping TransportFactory = { d throws(UplinkError) in try CurlTransport(destination: d) },
        events: @escaping @Sendable (UplinkEvent) -> Void
    ) throws -> Uplink {
        let problems = destinations.flatMap { $0.problems() }
        let names = destinations.map(\.name)
        guard problems.isEmpty, Set(names).count == names.count else {
            throw UplinkError(.configuration, (problems + (Set(names).count == names.count ? [] : ["destination names must differ"])).joined(separator: "; "))
        }
        let stop = try StopSignal()
        let uploaders = destinations.map { d in
            DestinationUploader(
                destination: d, layout: ring, acknowledgements: acknowledgements, holds: holds, time: time, stop: stop, clockSynced: clockSynced,
                random: { Double.random(in: 0..<1) }, events: events)
        }
        var finished: [Wakeup] = []
        for uploader in uploaders {
            for worker in 0..<uploader.destination.concurrency {
                let done = try Wakeup()
                finished.append(done)
                startThread(name: "up-\(uploader.destination.name)-\(worker)") {
                    defer { done.signal() }
                    run(uploader, time: time, transport: transport, events: events)
                }
            }
        }
        return Uplink(uploaders: uploaders, stop: stop, finished: finished)
    }

    private static func run(_ uploader: DestinationUploader, time: any TimeSource, transport: TransportFactory, events: @Sendable (UplinkEvent) -> Void) {
        let stop = uploader.stop
        var link: (any Transport)?
        while !stop.isSet {
            guard let t = link else {
                do { link = try transport(uploader.destination) } catch {
                    // libcurl could not start: report, and try again after a while.
                    events(.backingOff(destination: uploader.destination.name, error: error, delay: Backoff.limit))
                    if time.wait(until: time.monotonicNow() + Backoff.limit, orStop: stop.wakeup) { return }
                }
                continue
            }
            switch uploader.step(t) {
            case .stopped: return
            case .wait(let until): if time.wait(until: until, orStop: stop.wakeup) { return }
            case .delivered, .parked, .failed: continue
            }
        }
    }

    /// Stops every transfer now and returns once every thread has ended.
    public func stop() {
        stopSignal.signal()
        for done in finished { while !done.wait(timeout: .seconds(60)) {} }
    }

    /// On a clean stop: waits on the calling thread, on `time`, at most `limit`, until
    /// every destination has listed the ring since the drain began (so it has seen the
    /// segments sealed last) and has nothing pending, segments or the chains' last
    /// checkpoints, that it is not backing off from.
    /// Returns what is still pending; it goes after the restart.
    @discardableResult
    public func drain(limit: Duration = .seconds(10), time: any TimeSource) -> Int {
        let start = time.monotonicNow()
        guard let never = try? Wakeup() else { return status().reduce(0) { $0 + $1.pending } }
        func settled() -> Bool {
            let scanned = uploaders.allSatisfy { u in u.backingOffUntil != nil || (u.lastListed.map { $0 > start } ?? false) }
            let headsSent = uploaders.allSatisfy { u in u.backingOffUntil != nil || !u.checkpointsDue }
            return scanned && headsSent && !status().contains(where: { $0.pending > 0 && !$0.backingOff })
        }
        while time.monotonicNow() - start < limit, !settled() {
            _ = time.wait(until: time.monotonicNow() + .milliseconds(100), orStop: never)
        }
        return status().reduce(0) { $0 + $1.pending }
    }

    /// Per destination: items not yet acknowledged, items parked (conflict or refusal)
    /// and whether it is backing off.
    public func status() -> [(destination: String, pending: Int, parked: Int, backingOff: Bool)] {
        uploaders.map { u in (u.destination.name, u.queue.pendingCount, u.queue.parked.count, u.backingOffUntil != nil) }
    }

    /// Per destination: what is waiting for it, as of its last scan of the ring.
    public func backlog() -> [(destination: String, items: [UploadItem], rateBytesPerSecond: Int64?)] {
        uploaders.map { u in (u.destination.name, u.queue.pendingItems, u.destination.rateBytesPerSecond) }
    }
}
