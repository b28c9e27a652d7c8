import Custody
import DeviceIdentity
import EdgeSystem
import Sealer
import SegmentRing
import TestSupport
import Testing

/// A crash in the middle of a segment, and the next start: the segment is sealed as
/// truncated with what is not known said to be unknown, the time the recorder was down
/// is one crash gap, and the chain stays intact, tiled and anchored.
@Suite struct RecoveryTests {
    /// The restarted daemon's view of the same state: a new chain and ledger over it.
    func recover(_ h: RingHarness) throws -> RingRecovery.Report {
        let layout = RingLayout(stateDirectory: h.state)
        let chain = try ManifestChain(
            stateDirectory: h.state, gateway: "gw-test", firmwareVersion: "0.0.0-test",
            key: try DeviceKey.load(stateDirectory: h.state), bootID: "boot-1")
        let ledger = CustodyLedger(
            chain: chain, publicKey: h.key.publicKey, checkpoints: layout.checkpoints, time: h.time, clockSynced: { true })
        return try RingRecovery(layout: layout, ledger: ledger, time: h.time, clockSynced: { true }).recover(cameras: [RingHarness.camera])
    }

    @Test func aSegmentCutByACrashIsTruncatedWithItsCountsUnknown() throws {
        let h = try RingHarness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(2), syncInterval: .milliseconds(200))
        #expect(try recover(h).lastRunCrashed == false)  // the first start marks the run
        try h.start()
        try h.feed(80)  // one segment sealed at 2 s, the second one open
        h.time.advance(by: .seconds(20))  // killed; restarted 20 s later
        let report = try recover(h)
        #expect(report.lastRunCrashed && report.truncatedSegments == 1 && report.crashGaps == 1)

        let manifests = try h.manifests().map(\.manifest)
        #expect(manifests.map(\.kind) == ["segment", "segment", "gap"])
        guard case .segment(let cut) = manifests[1].body, case .gap(let gap) = manifests[2].body else {
            Issue.record("expected a truncated segment then a gap")
            return
        }
        #expect(cut.truncated && cut.reason == "crash")
        #expect(cut.frames == nil && cut.firstFrame == nil && cut.lastFrame == nil)
        #expect(cut.codec == "V_MJPEG")
        #expect(manifests[1].version == 2 && manifests[1].start.boot == "boot-1")
        #expect(gap.cause == .crash)
        // The gap runs from where the chain ended to the restart: time stays tiled.
        #expect(manifests[2].start == manifests[1].end)
        let verdict = try h.verify()
        #expect(verdict.isIntact && verdict.isCompleteToCheckpoints, "\(verdict.text)")
        #expect(verdict.cameras.first?.uncoveredNs == 0)
        #expect(verdict.findings(.truncated).map(\.sequence) == [2])
    }
}
