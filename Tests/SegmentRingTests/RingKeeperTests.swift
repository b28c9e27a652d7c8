import AgeEncryption
import Custody
import DeviceIdentity
import EdgeCore
import EdgeSystem
import FrameSources
import Sealer
import SegmentRing
import Segmenter
import TestSupport
import Testing

/// A ring with bounds, recording the MJPEG fixture (about 6 KiB a frame) in 1 s segments.
final class BoundedRing {
    let time = ManualTime()
    let state: String
    let keeper: RingKeeper
    let store: SealedSegmentStore
    let key: DeviceKey
    let custody: LedgerCustody
    var events: [RingEvent] = []
    let segmenter: Segmenter
    let source: FileSource
    let stop: Wakeup

    init(bounds: RingBounds) throws {
        state = try Fixtures.scratchDirectory("keeper")
        key = try DeviceKey.loadOrCreate(stateDirectory: state)
        let chain = try ManifestChain(
            stateDirectory: state, gateway: "gw", firmwareVersion: "test", key: try DeviceKey.load(stateDirectory: state), bootID: "b")
        let layout = RingLayout(stateDirectory: state)
        let ledger = CustodyLedger(
            chain: chain, publicKey: key.publicKey, checkpoints: layout.checkpoints, time: time, clockSynced: { true })
        custody = LedgerCustody(layout: layout, ledger: ledger, time: time, clockSynced: { true })
        keeper = RingKeeper(
            layout: layout, holds: HoldBook(stateDirectory: state), bounds: bounds, custody: custody, time: time,
            clockSynced: { true }, freeBytes: { _ in 1 << 40 })
        let collected = EventBox()
        store = try SealedSegmentStore(
            layout: layout, recipients: [try AgeIdentity.generate().recipient], ledger: ledger, time: time,
            keeper: keeper, events: { collected.append($0) }, clockSynced: { true })
        segmenter = Segmenter(camera: "cam", store: store, policy: SegmentPolicy(length: .seconds(1)), time: time)
        source = FileSource(path: Fixtures.path("clip-320x240-25fps.mjpeg"), codec: .mjpeg, rate: FrameRate(frames: 25), time: time)
        stop = try Wakeup()
        box = collected
        try segmenter.handle(.streaming(try source.open()))
    }
    private let box: EventBox

    /// Records `seconds` of video; returns how many frames could not be recorded.
    @discardableResult
    func record(seconds: Int) throws -> Int {
        var refused = 0
        for _ in 0..<(25 * seconds) {
            do { try segmenter.handle(.frame(try #require(try source.nextFrame(stop: stop)))) } catch { refused += 1 }
        }
        events = box.events
        return refused
    }

    var segments: [String] { ((try? FileSystem.list(state + "/ring/cam")) ?? []).filter { $0.hasSuffix(".mkv.age") }.sorted() }
    /// The gap records by cause (`evicted-unsent`, `disk-full`, …).
    func gapRecords(_ cause: GapCause) -> Int {
        ((try? FileSystem.list(state + "/ring/cam")) ?? []).filter { $0.hasSuffix("-gap.json") }.filter { name in
            let text = String(decoding: (try? FileSystem.readFile(state + "/ring/cam/" + name)) ?? [], as: UTF8.self)
            return text.contains("\"cause\":\"\(cause.rawValue)\"")
        }.count
    }
    var lossRecords: Int { gapRecords(.evictedUnsent) }
    var allGapRecords: Int { ((try? FileSystem.list(state + "/ring/cam")) ?? []).filter { $0.hasSuffix("-gap.json") }.count }
    func verify() throws -> ChainReport { try ChainVerifier(publicKey: key.publicKey).verify(directory: state + "/ring") }
}

final class EventBox: @unchecked Sendable {
    // @unchecked: the test's store calls it from the test's one thread.
    var events: [RingEvent] = []
    func append(_ e: RingEvent) { events.append(e) }
}

struct RingKeeperTests {
    @Test("cameras sealing at once each enforce the bounds: every segment is evicted once, with one loss record")
    func concurrentEnforcementEvictsEachSegmentOnce() async throws {
        let ring = try BoundedRing(bounds: RingBounds(minFreeBytes: 0))
        try ring.record(seconds: 12)
        try ring.segmenter.close(.shutdown)  // an open segment would hold a sequence number unsealed
        let keeper = RingKeeper(
            layout: RingLayout(stateDirectory: ring.state), holds: HoldBook(stateDirectory: ring.state),
            bounds: RingBounds(maxBytes: 300 << 10, minFreeBytes: 0), custody: ring.custody, time: ring.time,
            clockSynced: { true }, freeBytes: { _ in 1 << 40 })
        try keeper.scan()
        let evicted = try await withThrowingTaskGroup(of: [RingKeeper.Eviction].self) { group in
            for _ in 0..<8 { group.addTask { try keeper.enforce() } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let sequences = evicted.map(\.sequence)
        #expect(!sequences.isEmpty)
        #expect(Set(sequences).count == sequences.count, "evicted more than once: \(sequences.sorted())")
        #expect(ring.lossRecords == sequences.count)
        #expect(keeper.evictedUnsentCount == UInt64(sequences.count))
        let report = try ring.verify()
        #expect(report.isIntact, "\(report)")
    }

    @Test("over quota, the oldest unsent segments go first, each with a signed loss record")
    func evictsOldestWithLossRecords() throws {
        let ring = try BoundedRing(bounds: RingBounds(maxBytes: 600 << 10, minFreeBytes: 0))
        try ring.record(seconds: 12)
        let evicted = ring.events.compactMap { if case .evicted(let e) = $0 { e.sequence } else { nil } }
        #expect(!evicted.isEmpty)
        #expect(evicted == evicted.sorted())
        #expect(ring.lossRecords == evicted.count, "\(ring.allGapRecords) gap records")
        let usage = ring.keeper.usage.values.reduce(0, +)
        #expect(usage <= 600 << 10)
        let report = try ring.verify()
        #expect(report.isIntact)
        #expect(report.findings(.evicted).count == evicted.count)
        #expect(report.gaps.filter { $0.cause == .evictedUnsent }.count == evicted.count)
    }

    @Test("acknowledged segments go before unsent ones, without a loss record; the ack survives a restart")
    func acknowledgedFirst() throws {
        let ring = try BoundedRing(bounds: RingBounds(maxBytes: 900 << 10, minFreeBytes: 0))
        try ring.record(seconds: 4)  // about 600 KiB: nothing evicted yet
        #expect(ring.events.isEmpty)
        try ring.keeper.markUploaded(camera: "cam", sequence: 3, destination: "centre")
        #expect(try FileSystem.list(ring.state + "/ring/cam").contains { $0.hasSuffix(".ack-centre") })
        try ring.keeper.scan()  // as after a restart: the ack is read back from the directory
        try ring.record(seconds: 4)
        let first = ring.events.compactMap { if case .evicted(let e) = $0 { e } else { nil } }.first
        #expect(first?.sequence == 3 && first?.wasUploaded == true)
        #expect(ring.lossRecords == ring.events.filter { if case .evicted(let e) = $0 { !e.wasUploaded } else { false } }.count)
        #expect(throws: RingError.self) { try ring.keeper.markUploaded(camera: "cam", sequence: 999, destination: "centre") }
    }

    @Test("held segments are never evicted; a full hold quota refuses a new hold")
    func holdsSurvive() throws {
        let ring = try BoundedRing(bounds: RingBounds(maxBytes: 600 << 10, minFreeBytes: 0, holdMaxBytes: 400 << 10))
        try ring.record(seconds: 4)  // segments 1–3 closed, about 150 KiB each
        try ring.keeper.hold(Hold(camera: "cam", from: 1, to: 2, reason: "incident 7", by: "test", at: ring.time.wallNow()))
        #expect(throws: RingKeeper.Full.self) {
            try ring.keeper.hold(Hold(camera: "cam", from: 3, to: 3, reason: "too much", by: "test", at: ring.time.wallNow()))
        }
        try ring.record(seconds: 12)
        #expect(ring.segments.contains { $0.hasPrefix("00000001-") } && ring.segments.contains { $0.hasPrefix("00000002-") })
        #expect(!ring.segments.contains { $0.hasPrefix("00000003-") })
        #expect(try ring.verify().isIntact)
    }

    @Test("stop-recording keeps every unsent segment and refuses new ones until space is freed")
    func stopRecording() throws {
        let ring = try BoundedRing(bounds: RingBounds(maxBytes: 600 << 10, minFreeBytes: 0, evictUnsent: false))
        let refused = try ring.record(seconds: 12)
        #expect(refused > 0)
        #expect(ring.lossRecords == 0)
        // The refused frames are not unaccounted for: one disk-full gap covers them.
        #expect(ring.gapRecords(.diskFull) == 1)
        #expect(ring.events.contains { if case .full = $0 { true } else { false } })
        #expect(!ring.events.contains { if case .evicted = $0 { true } else { false } })
        #expect(try ring.verify().isIntact)
    }
}
